package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// server is a process under test on a loopback port.
type server struct {
	name string
	base string // http://127.0.0.1:port
	cmd  *exec.Cmd
	log  *os.File
	done chan struct{} // closed when the process has exited
}

// start runs bin with args and env on a fresh loopback address (handed over
// in the variable addrEnv or the flag addrFlag) and waits until readyPath
// answers readyStatus.
func start(ctx context.Context, name, bin string, args, env []string, addrEnv, addrFlag, readyPath string, readyStatus int) (*server, error) {
	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	logFile, err := os.CreateTemp("", "kabinet-bench-"+name+"-*.log")
	if err != nil {
		return nil, err
	}
	if addrFlag != "" {
		args = append(args, addrFlag, addr)
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	if addrEnv != "" {
		cmd.Env = append(cmd.Env, addrEnv+"="+addr)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	s := &server{name: name, base: "http://" + addr, cmd: cmd, log: logFile, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(s.done) }()
	if err := waitReady(s.base+readyPath, readyStatus, s.done); err != nil {
		s.stop()
		return nil, fmt.Errorf("%s: %w (log: %s)", name, err, logFile.Name())
	}
	return s, nil
}

// stop interrupts the server and waits for it; the log stays for a look.
func (s *server) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.log.Close()
}

// resetPeak makes the server's VmHWM its current RSS (Linux clear_refs "5"),
// so that the next peak read is the peak of the load that follows, not of
// the start-up.
func (s *server) resetPeak() error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", s.cmd.Process.Pid), []byte("5"), 0)
}

// rssMiB reads a memory figure of the server: VmRSS (now) or VmHWM (peak).
func (s *server) rssMiB(field string) float64 { return rssMiB(s.cmd.Process.Pid, field) }

func waitReady(url string, status int, exited <-chan struct{}) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return errors.New("exited before it was ready")
		default:
		}
		if res, err := http.Get(url); err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == status {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("not ready in 60s")
}

func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// rssMiB reads a memory figure (VmRSS now, VmHWM peak) of a process.
func rssMiB(pid int, field string) float64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), field+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

func numCPU() int {
	data, _ := os.ReadFile("/proc/cpuinfo")
	return max(1, strings.Count(string(data), "processor\t:"))
}

// ceilingToken asks the ceiling program for a token of its user 1.
func ceilingToken(ctx context.Context, bin, key string) (string, error) {
	out, err := exec.CommandContext(ctx, bin, "-key", key, "-token").Output()
	if err != nil {
		return "", fmt.Errorf("ceiling -token: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// profileCPU fetches a CPU profile of d from a net/http/pprof listener into
// path; it runs beside an attack.
func profileCPU(pprofBase, path string, d time.Duration) error {
	c := http.Client{Timeout: d + 30*time.Second}
	res, err := c.Get(fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", pprofBase, max(1, int(d.Seconds()))))
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("pprof: status %d", res.StatusCode)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, res.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// fetchTo saves a GET of url into path (a heap or allocation profile).
func fetchTo(url, path string) error {
	res, err := http.Get(url)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, res.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
