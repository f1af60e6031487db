//go:build !linux

package main

// releaseExecutablePages is Linux-only (madvise on /proc/self/smaps).
func releaseExecutablePages() (int64, error) { return 0, nil }
