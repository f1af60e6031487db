package web

import (
	"context"
	"testing"
)

type otherKey struct{}

func TestWithRequest(t *testing.T) {
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), otherKey{}, "x"))
	m := &Meta{ID: "req-1"}
	ctx := WithRequest(parent, m)
	if MetaFrom(ctx) != m || RequestID(ctx) != "req-1" || ctx.Value(otherKey{}) != "x" {
		t.Fatal("values lost")
	}
	if !HasCallerSlot(ctx) || HasCallerSlot(parent) {
		t.Fatal("caller slot")
	}
	if _, err := Caller(ctx); err == nil {
		t.Fatal("an empty slot gave a caller")
	}
	slot := ctx.Value(principalKey{}).(*principalSlot)
	slot.p = &Principal{}
	if p, err := Caller(ctx); err != nil || p != slot.p {
		t.Fatalf("Caller = %v, %v", p, err)
	}
	// Cancellation passes through, and derived contexts still see the values.
	child, stop := context.WithCancel(ctx)
	defer stop()
	cancel()
	<-child.Done()
	if RequestID(child) != "req-1" {
		t.Fatal("derived context lost the meta")
	}
}
