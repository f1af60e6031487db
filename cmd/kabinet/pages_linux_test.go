package main

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestParseSmaps(t *testing.T) {
	data := []byte(`00400000-01b53000 r-xp 00000000 fe:00 5317211                            /srv/kabinet
Size:              24456 kB
Rss:               16588 kB
Anonymous:             0 kB
VmFlags: rd ex mr mw me
037cb000-03caf000 rw-p 033cb000 fe:00 5317211                            /srv/kabinet
Rss:                1552 kB
Anonymous:           244 kB
7f889006a000-7f889031c000 rw-p 00000000 00:00 0
Rss:                2424 kB
Anonymous:          2424 kB
`)
	got := parseSmaps(data)
	if len(got) != 3 {
		t.Fatalf("%d mappings, want 3: %+v", len(got), got)
	}
	want := []mapping{
		{start: 0x400000, end: 0x1b53000, dev: "fe:00", inode: 5317211, rssKiB: 16588},
		{start: 0x37cb000, end: 0x3caf000, writable: true, dev: "fe:00", inode: 5317211, rssKiB: 1552, anonKiB: 244},
		{start: 0x7f889006a000, end: 0x7f889031c000, writable: true, dev: "00:00", inode: 0, rssKiB: 2424, anonKiB: 2424},
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("mapping %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestDevName(t *testing.T) {
	for dev, want := range map[uint64]string{0xfe00: "fe:00", 0x803: "08:03", 0x10300: "103:00"} {
		if got := devName(dev); got != want {
			t.Errorf("devName(%#x) = %q, want %q", dev, got, want)
		}
	}
}

// TestReleaseExecutablePages unmaps this test binary's read-only pages and
// goes on running the code they hold: the file-backed RSS drops, nothing
// written is lost, and the code still runs (it faults back in).
func TestReleaseExecutablePages(t *testing.T) {
	before := rssFileKiB(t)
	written := []string{"kept"} // heap and data are untouched
	n, err := releaseExecutablePages()
	if err != nil {
		t.Fatal(err)
	}
	if n <= 0 {
		t.Fatalf("released %d bytes: the test binary's code was mapped", n)
	}
	after := rssFileKiB(t)
	if after >= before {
		t.Fatalf("file-backed RSS %d KiB after, %d before", after, before)
	}
	if got := strings.Join(append(written, strconv.Itoa(len(devName(0x803)))), " "); got != "kept 5" {
		t.Fatalf("after the release: %q", got)
	}
	t.Logf("released %d KiB; RssFile %d → %d KiB", n>>10, before, after)
}

func rssFileKiB(t *testing.T) int {
	t.Helper()
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "RssFile:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no RssFile in /proc/self/status")
	return 0
}
