package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// serveFileFlag makes docbench itself the plain file server: a process of
// its own, like Kabinet, so that it does not share the client's runtime.
const serveFileFlag = "serve-file"

// serveFile serves path at / on a loopback port with http.ServeFile (so a
// download goes out with sendfile), prints the address on its first output
// line and serves until it is killed.
func serveFile(path string) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Println(l.Addr().String())
	return http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, path)
	}))
}

// bareProcess is the plain file server run as a child process.
type bareProcess struct {
	addr string
	cmd  *exec.Cmd
}

// startBare runs this program again as the plain file server of path.
func startBare(path string) (*bareProcess, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, "-"+serveFileFlag, path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("plain file server: %w", err)
	}
	return &bareProcess{addr: strings.TrimSpace(line), cmd: cmd}, nil
}

// Close stops the plain file server.
func (b *bareProcess) Close() {
	_ = b.cmd.Process.Kill()
	_ = b.cmd.Wait()
}

// curlSpeed downloads url with curl into /dev/null (-o) and returns curl's
// own measure of the speed in MB/s; ok is false without curl.
func curlSpeed(url, token string) (mbps float64, ok bool, err error) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		return 0, false, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := []string{"-sS", "-f", "-o", os.DevNull, "-w", "%{speed_download}", url}
	if token != "" {
		args = append(args, "-H", "Authorization: Bearer "+token)
	}
	out, err := exec.CommandContext(ctx, curl, args...).Output()
	if err != nil {
		return 0, true, fmt.Errorf("curl: %w", err)
	}
	bps, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	return bps / (1 << 20), true, err
}
