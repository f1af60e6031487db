// Command docbench measures the document archive against a real server
// process on loopback: the download throughput of a large document against
// reading the same file from disk directly (the ratio), the server's RSS
// while a 1 GB file is uploaded and downloaded (it must stay flat: both
// stream), and how many SSE notification streams the server holds per MB of
// RSS. Files are generated in a temporary folder and removed afterwards.
// Run by scripts/bench-documents.sh (make bench).
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/blob"
)

type options struct {
	bin, dbURL, out string
	sizeMB, bigMB   int
	runs, streams   int
}

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", ".bin/kabinet", "the kabinet binary")
	flag.StringVar(&o.dbURL, "database-url", "", "PostgreSQL URL of an empty database")
	flag.StringVar(&o.out, "out", ".bench", "folder for documents.txt")
	flag.IntVar(&o.sizeMB, "size-mb", 200, "the document downloaded for throughput (MB)")
	flag.IntVar(&o.bigMB, "big-mb", 1024, "the document uploaded and downloaded while RSS is sampled (MB)")
	flag.IntVar(&o.runs, "runs", 5, "downloads of the throughput document (at most 20)")
	flag.IntVar(&o.streams, "streams", 1000, "SSE streams to open (at most 5000)")
	serve := flag.String(serveFileFlag, "", "(internal) serve this file as the plain file server")
	flag.Parse()
	if *serve != "" {
		log.Fatal(serveFile(*serve))
	}
	o.runs = min(max(o.runs, 1), 20)
	o.streams = min(max(o.streams, 1), 5000)
	if err := run(o); err != nil {
		log.Fatal(err)
	}
}

func run(o options) error {
	if o.dbURL == "" {
		return errors.New("-database-url is required")
	}
	tmp, err := os.MkdirTemp("", "docbench-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	blobURL, err := blob.FileURL(filepath.Join(tmp, "blobs"))
	if err != nil {
		return err
	}
	ctx := context.Background()
	srv, err := start(o.bin, []string{
		"DATABASE_URL=" + o.dbURL, "KABINET_ENV=development", "KABINET_LOG_LEVEL=warn", "KABINET_WORKERS=false",
		"KABINET_BLOB_URL=" + blobURL, "KABINET_DOCUMENTS_MAX_SIZE=" + strconv.Itoa(max(o.bigMB, o.sizeMB)+16) + "M",
		"KABINET_LIMIT_LOGIN_IP=100000000/1m", "KABINET_DB_MAX_CONNS=40",
	}, tmp)
	if err != nil {
		return err
	}
	defer srv.stop()
	hc := &http.Client{}
	c, err := client.NewClientWithResponses(srv.base, client.WithHTTPClient(hc))
	if err != nil {
		return err
	}
	reg, err := c.RegisterWithResponse(ctx, apitest.NewAccount())
	if err != nil || reg.JSON201 == nil {
		return fmt.Errorf("register: %v", err)
	}
	token := reg.JSON201.AccessToken
	var rep strings.Builder
	say := func(format string, a ...any) {
		line := fmt.Sprintf(format, a...)
		fmt.Println(line)
		rep.WriteString(line + "\n")
	}
	say("document archive benchmark, %s, %d CPUs", time.Now().UTC().Format(time.RFC3339), cpus())

	// Throughput: a document of sizeMB, downloaded runs times, against
	// reading the same bytes from a file.
	small := filepath.Join(tmp, "small.pdf")
	if err := generate(small, int64(o.sizeMB)<<20); err != nil {
		return err
	}
	id, up, err := uploadDoc(ctx, c, hc, srv.base, token, small)
	if err != nil {
		return err
	}
	say("upload %d MB: %.0f MB/s", o.sizeMB, float64(o.sizeMB)/up.Seconds())
	// A plain net/http file server (http.ServeFile, sendfile) in a process
	// of its own, serving the same file on loopback, is the stack's ceiling:
	// what HTTP over loopback itself costs on this machine.
	bare, err := startBare(small)
	if err != nil {
		return err
	}
	defer bare.Close()
	var served, direct, plain, curlServed, curlPlain []float64
	docURL := srv.base + "/api/v1/documents/" + id.String() + "/content"
	for range o.runs {
		d, err := downloadOnce(hc, srv.base, token, id, nil)
		if err != nil {
			return err
		}
		served = append(served, float64(o.sizeMB)/d.Seconds())
		if d, err = readFile(small); err != nil {
			return err
		}
		direct = append(direct, float64(o.sizeMB)/d.Seconds())
		if d, err = getURL(hc, "http://"+bare.addr+"/"); err != nil {
			return err
		}
		plain = append(plain, float64(o.sizeMB)/d.Seconds())
		// The same two downloads by curl into /dev/null: a client outside Go.
		if v, ok, err := curlSpeed(docURL, token); err != nil {
			return err
		} else if ok {
			curlServed = append(curlServed, v)
		}
		if v, ok, err := curlSpeed("http://"+bare.addr+"/", ""); err != nil {
			return err
		} else if ok {
			curlPlain = append(curlPlain, v)
		}
	}
	ms, md, mp := median(served), median(direct), median(plain)
	say("download %d MB × %d: median %.0f MB/s (best %.0f); reading the file directly: median %.0f MB/s; ratio %.2f (goal ≥ 0.8: %s)",
		o.sizeMB, o.runs, ms, slices.Max(served), md, ms/md, verdict(ms/md >= 0.8))
	say("  the ceiling, a plain net/http file server (http.ServeFile) in its own process, same file and client: median %.0f MB/s; Kabinet / plain server %.2f (goal ≥ 0.8: %s)",
		mp, ms/mp, verdict(ms/mp >= 0.8))
	if len(curlServed) > 0 {
		cs, cp := median(curlServed), median(curlPlain)
		say("  curl -o /dev/null: Kabinet median %.0f MB/s, the plain server %.0f MB/s; Kabinet / plain server %.2f", cs, cp, cs/cp)
	}
	_ = os.Remove(small)

	// Memory: RSS sampled while 1 GB goes up, then down.
	big := filepath.Join(tmp, "big.pdf")
	if err := generate(big, int64(o.bigMB)<<20); err != nil {
		return err
	}
	runtimeSettle()
	startRSS := srv.rss()
	var bigID uuid.UUID
	peakUp, err := sampling(srv, func() error {
		var err error
		bigID, _, err = uploadDoc(ctx, c, hc, srv.base, token, big)
		return err
	})
	if err != nil {
		return err
	}
	_ = os.Remove(big)
	midRSS := srv.rss()
	peakDown, err := sampling(srv, func() error {
		_, err := downloadOnce(hc, srv.base, token, bigID, nil)
		return err
	})
	if err != nil {
		return err
	}
	say("RSS while uploading %d MB: start %.1f MiB, peak %.1f MiB (+%.1f); while downloading it: start %.1f MiB, peak %.1f MiB (+%.1f) — flat: %s",
		o.bigMB, startRSS, peakUp, peakUp-startRSS, midRSS, peakDown, peakDown-midRSS, verdict(peakUp-startRSS < 64 && peakDown-midRSS < 64))

	// SSE: streams held per MB of RSS growth.
	runtimeSettle()
	before := srv.rss()
	held, closeAll, err := openStreams(srv.base, token, o.streams)
	if err != nil {
		closeAll()
		return err
	}
	time.Sleep(2 * time.Second)
	after := srv.rss()
	closeAll()
	growth := after - before
	perMB := float64(held) / max(growth, 0.01)
	say("SSE: %d streams held; RSS %.1f → %.1f MiB (+%.1f MiB): %.0f streams per MiB (%.1f KiB each)",
		held, before, after, growth, perMB, growth*1024/float64(max(held, 1)))
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(o.out, "documents.txt"), []byte(rep.String()), 0o644)
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func runtimeSettle() { time.Sleep(1500 * time.Millisecond) }

// generate writes size bytes that sniff as a PDF: a header, then
// pseudo-random bytes (incompressible, as scans are).
func generate(path string, size int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	head := []byte("%PDF-1.7\n%bench\n")
	if _, err := w.Write(head); err != nil {
		f.Close()
		return err
	}
	r := rand.NewChaCha8([32]byte{1, 2, 3})
	buf := make([]byte, 1<<20)
	for left := size - int64(len(head)); left > 0; {
		n := min(left, int64(len(buf)))
		_, _ = r.Read(buf[:n])
		if _, err := w.Write(buf[:n]); err != nil {
			f.Close()
			return err
		}
		left -= n
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// uploadDoc creates a document and streams path as its first version
// through a pipe, so the client holds no copy either.
func uploadDoc(ctx context.Context, c *client.ClientWithResponses, hc *http.Client, base, token, path string) (uuid.UUID, time.Duration, error) {
	res, err := c.CreateMyDocumentWithResponse(ctx, client.DocumentCreate{Title: "Бенчмарк " + filepath.Base(path), Type: client.DocumentTypeOther}, apitest.Bearer(token))
	if err != nil || res.JSON201 == nil {
		return uuid.Nil, 0, fmt.Errorf("create document: %v", err)
	}
	id := res.JSON201.ID
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		part, err := mw.CreateFormFile("file", filepath.Base(path))
		if err == nil {
			var f *os.File
			if f, err = os.Open(path); err == nil {
				_, err = io.CopyBuffer(part, f, make([]byte, 256<<10))
				f.Close()
			}
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/documents/"+id.String()+"/versions", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	t0 := time.Now()
	r, err := hc.Do(req)
	if err != nil {
		return id, 0, err
	}
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != http.StatusCreated {
		return id, 0, fmt.Errorf("upload: %d %s", r.StatusCode, body)
	}
	return id, time.Since(t0), nil
}

func downloadOnce(hc *http.Client, base, token string, id uuid.UUID, _ *string) (time.Duration, error) {
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/documents/"+id.String()+"/content", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	t0 := time.Now()
	r, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer r.Body.Close()
	if r.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("download: %d", r.StatusCode)
	}
	if err := drain(r.Body); err != nil {
		return 0, err
	}
	return time.Since(t0), nil
}

// drain reads r to its end through one 1 MiB buffer (io.Copy to
// io.Discard would read 8 KiB at a time), the same way for the download
// and for the file, so the two are compared fairly.
func drain(r io.Reader) error {
	buf := make([]byte, 1<<20)
	for {
		_, err := r.Read(buf)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func getURL(hc *http.Client, url string) (time.Duration, error) {
	t0 := time.Now()
	r, err := hc.Get(url)
	if err != nil {
		return 0, err
	}
	defer r.Body.Close()
	if err := drain(r.Body); err != nil {
		return 0, err
	}
	return time.Since(t0), nil
}

func readFile(path string) (time.Duration, error) {
	t0 := time.Now()
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if err := drain(f); err != nil {
		return 0, err
	}
	return time.Since(t0), nil
}

// sampling runs work while reading the server's RSS every 20 ms and
// returns the highest reading.
func sampling(s *server, work func() error) (float64, error) {
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			if v := uint64(s.rss() * 1024); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	err := work()
	close(done)
	return float64(peak.Load()) / 1024, err
}

// openStreams opens n notification streams (at most 50 connecting at
// once), waits for each one's first event, and keeps them open until
// closeAll.
func openStreams(base, token string, n int) (int, func(), error) {
	tr := &http.Transport{MaxIdleConnsPerHost: -1, DisableKeepAlives: true}
	hc := &http.Client{Transport: tr}
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	var bodies []io.Closer
	var held atomic.Int64
	var firstErr error
	sem := make(chan struct{}, 50)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/me/notifications/stream", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Accept", "text/event-stream")
			r, err := hc.Do(req)
			if err == nil && r.StatusCode != http.StatusOK {
				r.Body.Close()
				err = fmt.Errorf("stream: %d", r.StatusCode)
			}
			if err == nil {
				_, err = bufio.NewReader(r.Body).ReadString('\n')
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				return
			}
			bodies = append(bodies, r.Body)
			held.Add(1)
		}()
	}
	wg.Wait()
	closeAll := func() {
		cancel()
		mu.Lock()
		for _, b := range bodies {
			b.Close()
		}
		mu.Unlock()
		tr.CloseIdleConnections()
	}
	if held.Load() == 0 {
		return 0, closeAll, firstErr
	}
	return int(held.Load()), closeAll, nil
}
