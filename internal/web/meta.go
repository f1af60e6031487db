package web

import (
	"context"
	"net/netip"
)

// Meta is what handlers need to know about the HTTP request they serve,
// without depending on Echo. The assembly's middleware puts it on the context.
type Meta struct {
	ID        string
	Path      string
	IP        *netip.Addr
	UserAgent string
}

type metaKey struct{}

// WithMeta returns ctx carrying m.
func WithMeta(ctx context.Context, m *Meta) context.Context {
	return context.WithValue(ctx, metaKey{}, m)
}

// MetaFrom returns the request's metadata, or an empty one outside a request.
func MetaFrom(ctx context.Context) *Meta {
	if m, ok := ctx.Value(metaKey{}).(*Meta); ok {
		return m
	}
	return &Meta{}
}

// RequestID returns the request's id, or "" outside a request.
func RequestID(ctx context.Context) string { return MetaFrom(ctx).ID }
