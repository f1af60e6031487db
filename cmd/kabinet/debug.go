package main

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"time"
)

// startDebug serves net/http/pprof on addr (config allows loopback only),
// apart from the API, for profiling a running instance:
//
//	go tool pprof http://127.0.0.1:6060/debug/pprof/profile?seconds=10
func startDebug(addr string, log *slog.Logger) *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
			log.Error("debug listener", "addr", addr, "err", err)
		}
	}()
	log.Warn("serving profiles (KABINET_DEBUG_ADDR)", "addr", "http://"+addr+"/debug/pprof/")
	return srv
}
