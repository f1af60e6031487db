package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// releaseExecutablePages drops this process's mappings of the pages of its
// own executable that are read-only and unmodified (code, read-only data,
// the function tables), and returns how many bytes of RSS that released.
//
// Start-up touches far more of the 80 MB binary than serving does: the
// migrations, the spec and its router, River's set-up, every package's
// init; and each fault maps a whole folio or fault-around window (64 KiB
// and more) of the page cache, not one page. Those pages stay counted in the
// RSS although nothing uses them again. MADV_DONTNEED on a private file
// mapping only unmaps: the page cache keeps the pages, and the next access
// maps them again, so it is safe while other goroutines run that code. A
// writable mapping, or one holding any anonymous (copy-on-write) page, is
// left alone: unmapping those would lose what was written.
func releaseExecutablePages() (int64, error) {
	exe, err := os.Stat("/proc/self/exe")
	if err != nil {
		return 0, err
	}
	st, ok := exe.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, fmt.Errorf("no inode for /proc/self/exe")
	}
	data, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		return 0, err
	}
	var released int64
	for _, m := range parseSmaps(data) {
		if m.inode != st.Ino || m.dev != devName(st.Dev) || m.writable || m.anonKiB != 0 || m.rssKiB == 0 {
			continue
		}
		if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, m.start, m.end-m.start, syscall.MADV_DONTNEED); errno != 0 {
			return released, fmt.Errorf("madvise %x-%x: %w", m.start, m.end, errno)
		}
		released += int64(m.rssKiB) << 10
	}
	return released, nil
}

// mapping is one entry of /proc/self/smaps, the fields used here.
type mapping struct {
	start, end      uintptr
	writable        bool
	dev             string // "major:minor" in hex, as smaps writes it
	inode           uint64
	rssKiB, anonKiB uint64
}

// parseSmaps reads the mappings of /proc/PID/smaps: a header line
// "start-end perms offset dev inode path" and then "Key: value kB" lines.
func parseSmaps(data []byte) []mapping {
	var out []mapping
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		if len(f) >= 5 && strings.Contains(f[0], "-") && len(f[1]) == 4 {
			lo, hi, _ := strings.Cut(f[0], "-")
			start, err1 := strconv.ParseUint(lo, 16, 64)
			end, err2 := strconv.ParseUint(hi, 16, 64)
			inode, err3 := strconv.ParseUint(f[4], 10, 64)
			if err1 == nil && err2 == nil && err3 == nil {
				out = append(out, mapping{start: uintptr(start), end: uintptr(end), writable: f[1][1] == 'w', dev: f[3], inode: inode})
				continue
			}
		}
		if len(out) == 0 || len(f) < 2 {
			continue
		}
		m := &out[len(out)-1]
		switch f[0] {
		case "Rss:":
			m.rssKiB, _ = strconv.ParseUint(f[1], 10, 64)
		case "Anonymous:":
			m.anonKiB, _ = strconv.ParseUint(f[1], 10, 64)
		}
	}
	return out
}

// devName writes a device number as smaps does: "fe:01".
func devName(dev uint64) string {
	major := (dev>>8)&0xfff | (dev>>32)&^0xfff
	minor := dev&0xff | (dev>>12)&^0xff
	return fmt.Sprintf("%02x:%02x", major, minor)
}
