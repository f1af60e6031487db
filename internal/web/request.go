package web

import "context"

// requestCtx carries a request's Meta and its caller's slot as one context
// value: the assembly makes one per request (WithRequest), where two
// context.WithValue calls would make two contexts and two copies of the
// *http.Request.
type requestCtx struct {
	context.Context
	meta *Meta
	slot principalSlot
}

// WithRequest returns ctx carrying m (MetaFrom, RequestID) and an empty
// caller slot, which the authentication func fills for secured operations
// (Caller reads it back).
func WithRequest(ctx context.Context, m *Meta) context.Context {
	return &requestCtx{Context: ctx, meta: m}
}

func (c *requestCtx) Value(key any) any {
	switch key.(type) {
	case metaKey:
		return c.meta
	case principalKey:
		return &c.slot
	}
	return c.Context.Value(key)
}

// HasCallerSlot reports whether ctx already carries a caller slot.
func HasCallerSlot(ctx context.Context) bool {
	_, ok := ctx.Value(principalKey{}).(*principalSlot)
	return ok
}
