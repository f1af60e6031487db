package web

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/db"
)

// An unchecked principal (its handler checks the session itself) is
// refused by Caller until Confirm: a handler that forgets fails closed.
func TestUncheckedCallerFailsClosedUntilConfirmed(t *testing.T) {
	ctx := WithCallerSlot(context.Background())
	userID, sessionID := uuid.New(), uuid.New()
	slot := ctx.Value(principalKey{}).(*principalSlot)
	slot.p = &Principal{User: db.User{ID: userID}, SessionID: sessionID, unchecked: true}

	if _, err := Caller(ctx); err == nil {
		t.Fatal("Caller answered before the session was checked")
	}
	if !Unchecked(ctx) {
		t.Fatal("Unchecked = false")
	}
	u, s, err := UncheckedCaller(ctx)
	if err != nil || u != userID || s != sessionID {
		t.Fatalf("UncheckedCaller = %v %v %v", u, s, err)
	}
	if _, err := Confirm(ctx, db.User{ID: uuid.New()}, time.Now()); err == nil {
		t.Fatal("confirmed another user's row")
	}
	at := time.Now().Add(-time.Minute)
	if _, err := Confirm(ctx, db.User{ID: userID, FirstName: "Анна"}, at); err != nil {
		t.Fatal(err)
	}
	p, err := Caller(ctx)
	if err != nil || p.User.FirstName != "Анна" || p.SessionID != sessionID || !p.AuthenticatedAt.Equal(at) || Unchecked(ctx) {
		t.Fatalf("after Confirm: %+v %v", p, err)
	}
}
