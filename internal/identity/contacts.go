package identity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/audit"
	"github.com/kabinet-edu/kabinet/internal/notify"
	"github.com/kabinet-edu/kabinet/internal/onetime"
	"github.com/kabinet-edu/kabinet/internal/ratelimit"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// Contact confirmation. A 6-digit code sent to an address confirms it: the
// current e-mail or phone, or a new one the user asked to switch to. A new
// address replaces the old only when its code comes back, so nobody can take
// over an address they cannot read. The pending change is the live code
// itself: its target is the new address.

// Problem codes of the contact flows.
const (
	codeAlreadyConfirmed = "already_confirmed"
	codePhoneMissing     = "phone_missing"
	codeContactCodeWrong = "invalid_code"
	codeContactCodeDead  = "code_expired"
	codeContactCodeSpent = "too_many_attempts"
)

// Codes live 15 minutes and die after 5 wrong tries; at most 5 are sent an
// hour per account and per address, which bounds both the cost of mail and
// SMS (SMS pumping) and the guesses: 25 an hour against a million codes.
var (
	emailCodeSpec = onetime.Spec{Purpose: "email_confirm", TTL: 15 * time.Minute, MaxAttempts: 5, Digits: 6}
	phoneCodeSpec = onetime.Spec{Purpose: "phone_confirm", TTL: 15 * time.Minute, MaxAttempts: 5, Digits: 6}
)

const contactCodesPerHour = 5

// contactKind is what differs between confirming an e-mail and a phone.
type contactKind struct {
	field     string // JSON field and rate-limit name: "email" or "phone"
	what      string // for messages: "e-mail" or "phone"
	channel   string // how the code travels
	spec      onetime.Spec
	template  string // the message carrying the code
	notice    string // the e-mail telling the user the address changed
	noticeKey string // the notice's template variable holding the new address
	confirmed string // audit events
	changed   string
}

var (
	emailContact = contactKind{
		field: "email", what: "e-mail", channel: notify.Email, spec: emailCodeSpec,
		template: "contact_code_email", notice: "email_changed", noticeKey: "NewEmail",
		confirmed: audit.EmailConfirmed, changed: audit.EmailChanged,
	}
	phoneContact = contactKind{
		field: "phone", what: "phone", channel: notify.SMS, spec: phoneCodeSpec,
		template: "contact_code_sms", notice: "phone_changed", noticeKey: "NewPhone",
		confirmed: audit.PhoneConfirmed, changed: audit.PhoneChanged,
	}
)

// current returns the user's address of this kind ("" when none) and
// whether it is confirmed.
func (k contactKind) current(u db.User) (string, bool) {
	if k.field == "email" {
		return u.Email, u.EmailVerifiedAt != nil
	}
	if u.Phone == nil {
		return "", false
	}
	return *u.Phone, u.PhoneVerifiedAt != nil
}

// holder returns the account that uses addr.
func (k contactKind) holder(ctx context.Context, q *db.Queries, addr string) (db.User, error) {
	if k.field == "email" {
		return q.GetUserByEmail(ctx, addr)
	}
	return q.GetUserByPhone(ctx, addr)
}

// confirm makes addr the user's confirmed address of this kind.
func (k contactKind) confirm(ctx context.Context, q *db.Queries, userID uuid.UUID, addr string) (db.User, error) {
	if k.field == "email" {
		return q.SetEmailConfirmed(ctx, db.SetEmailConfirmedParams{ID: userID, Email: addr})
	}
	return q.SetPhoneConfirmed(ctx, db.SetPhoneConfirmedParams{ID: userID, Phone: addr})
}

// mask hides most of an address in a notice, which may be read by whoever
// took over the old mailbox.
func (k contactKind) mask(addr string) string {
	if k.field == "email" {
		local, domain, _ := strings.Cut(addr, "@")
		if local == "" {
			return addr
		}
		return string([]rune(local)[:1]) + "***@" + domain
	}
	if len(addr) < 8 {
		return addr
	}
	return addr[:5] + strings.Repeat("*", len(addr)-7) + addr[len(addr)-2:]
}

// startContactChange sends a code to addr (normalized), which the user
// wants as their address of kind k. The caller checked recent authentication.
func (s *Handler) startContactChange(ctx context.Context, p *web.Principal, k contactKind, addr string) (api.ContactChallenge, error) {
	cur, confirmed := k.current(p.User)
	if addr == cur && confirmed {
		return api.ContactChallenge{}, &web.Error{Problem: web.NewProblem(ctx, http.StatusUnprocessableEntity, web.CodeValidationFailed,
			"One or more fields are invalid.", web.FieldError(k.field, "unchanged", "is already your confirmed "+k.what))}
	}
	// Counted before the lookup, so the 409 cannot be used to enumerate accounts quickly.
	if err := s.limitContactCodes(ctx, k, p.User.ID, addr); err != nil {
		return api.ContactChallenge{}, err
	}
	if addr != cur {
		_, err := k.holder(ctx, s.Q, addr)
		if err == nil {
			return api.ContactChallenge{}, contactTaken(ctx, k)
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return api.ContactChallenge{}, err
		}
	}
	return s.sendContactCode(ctx, p.User, k, addr, addr != cur)
}

// resendContactCode sends a fresh code for the pending change, if its code
// is still live, or else for the current address.
func (s *Handler) resendContactCode(ctx context.Context, p *web.Principal, k contactKind) (api.ContactChallenge, error) {
	cur, confirmed := k.current(p.User)
	target := cur
	pending, err := s.Q.GetPendingCode(ctx, db.GetPendingCodeParams{UserID: &p.User.ID, Purpose: k.spec.Purpose})
	switch {
	case err == nil && pending.Target != "" && pending.Target != cur:
		target = pending.Target
	case err != nil && !errors.Is(err, pgx.ErrNoRows):
		return api.ContactChallenge{}, err
	case cur == "":
		return api.ContactChallenge{}, &web.Error{Problem: web.NewProblem(ctx, http.StatusConflict, codePhoneMissing,
			"The account has no phone yet; add one first.")}
	case confirmed:
		return api.ContactChallenge{}, &web.Error{Problem: web.NewProblem(ctx, http.StatusConflict, codeAlreadyConfirmed,
			"Your "+k.what+" is already confirmed.")}
	}
	if err := s.limitContactCodes(ctx, k, p.User.ID, target); err != nil {
		return api.ContactChallenge{}, err
	}
	return s.sendContactCode(ctx, p.User, k, target, target != cur)
}

// limitContactCodes counts one code about to be sent to addr for userID.
// The address is keyed by its hash: rate-limit rows outlive accounts, and
// must not keep their addresses.
func (s *Handler) limitContactCodes(ctx context.Context, k contactKind, userID uuid.UUID, addr string) error {
	sum := sha256.Sum256([]byte(addr))
	rule := func(name string) ratelimit.Rule {
		return ratelimit.Rule{Name: "contact_code:" + k.field + ":" + name, Max: contactCodesPerHour, Period: time.Hour}
	}
	return s.LimitAttempts(ctx,
		web.AttemptLimit{Rule: rule("user"), Subject: userID.String(), User: userID},
		web.AttemptLimit{Rule: rule("to"), Subject: hex.EncodeToString(sum[:16]), User: userID})
}

// sendContactCode issues a code confirming addr (replacing the user's older
// codes of this kind) and queues the message that carries it.
func (s *Handler) sendContactCode(ctx context.Context, u db.User, k contactKind, addr string, change bool) (api.ContactChallenge, error) {
	var issued onetime.Issued
	err := store.InTxJobs(ctx, s.Pool, func(q *db.Queries, tx pgx.Tx) error {
		var err error
		if issued, err = onetime.Issue(ctx, q, k.spec, u.ID, addr); err != nil {
			return err
		}
		return s.outbox.Enqueue(ctx, tx, notify.Message{
			Channel: k.channel, To: addr, Template: k.template, Locale: u.Locale,
			Data: map[string]any{"FirstName": u.FirstName, "Code": issued.Secret, "Minutes": int(k.spec.TTL / time.Minute)},
		})
	})
	if err != nil {
		return api.ContactChallenge{}, err
	}
	return api.ContactChallenge{
		Channel: api.ContactChallengeChannel(k.channel), Target: addr, Change: change, ExpiresAt: issued.ExpiresAt.UTC(),
	}, nil
}

// errContactTaken is the outcome of a confirmation whose new address another
// account took after the code was sent.
var errContactTaken = errors.New("address taken")

// confirmContactCode checks code and confirms the address it was sent to.
// A wrong code is counted (the transaction commits) before it is refused.
func (s *Handler) confirmContactCode(ctx context.Context, p *web.Principal, k contactKind, code string) (db.User, error) {
	var (
		user    db.User
		outcome error
	)
	err := store.InTxJobs(ctx, s.Pool, func(q *db.Queries, tx pgx.Tx) error {
		user, outcome = db.User{}, nil
		// Locked, so a concurrent change of the same address waits for us.
		u, err := q.GetUserForUpdate(ctx, p.User.ID)
		if err != nil {
			return err
		}
		row, err := onetime.Check(ctx, q, k.spec, u.ID, strings.TrimSpace(code))
		switch {
		case errors.Is(err, onetime.ErrInvalid), errors.Is(err, onetime.ErrExpired), errors.Is(err, onetime.ErrTooManyAttempts):
			outcome = err
			return nil
		case err != nil:
			return err
		}
		cur, _ := k.current(u)
		change := row.Target != cur
		if change {
			_, err := k.holder(ctx, q, row.Target)
			if err == nil {
				outcome = errContactTaken // the code is spent: start again with another address
				return nil
			}
			if !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
		}
		if user, err = k.confirm(ctx, q, u.ID, row.Target); err != nil {
			return err
		}
		if err := s.Record(ctx, q, k.confirmed, u.ID, nil); err != nil {
			return err
		}
		if !change {
			return nil
		}
		if err := s.Record(ctx, q, k.changed, u.ID, nil); err != nil {
			return err
		}
		// The notice goes to the e-mail the account had before the change.
		return s.outbox.Enqueue(ctx, tx, notify.Message{
			Channel: notify.Email, To: u.Email, Template: k.notice, Locale: u.Locale,
			Data: map[string]any{"FirstName": u.FirstName, k.noticeKey: k.mask(row.Target)},
		})
	})
	if _, ok := store.UniqueViolation(err); ok {
		outcome, err = errContactTaken, nil
	}
	if err != nil {
		return db.User{}, err
	}
	switch {
	case outcome == nil:
		return user, nil
	case errors.Is(outcome, errContactTaken):
		return db.User{}, contactTaken(ctx, k)
	case errors.Is(outcome, onetime.ErrInvalid):
		return db.User{}, contactCodeProblem(ctx, codeContactCodeWrong, "The code is not right; check it and try again.")
	case errors.Is(outcome, onetime.ErrTooManyAttempts):
		return db.User{}, contactCodeProblem(ctx, codeContactCodeSpent, "Too many wrong codes; ask for a new one.")
	}
	return db.User{}, contactCodeProblem(ctx, codeContactCodeDead, "The code has expired or was already used; ask for a new one.")
}

func contactCodeProblem(ctx context.Context, code, detail string) *web.Error {
	return &web.Error{Problem: web.NewProblem(ctx, http.StatusUnprocessableEntity, code, detail,
		web.FieldError("code", code, detail))}
}

func contactTaken(ctx context.Context, k contactKind) *web.Error {
	msg := "Another account already uses this " + k.what + "."
	return &web.Error{Problem: web.NewProblem(ctx, http.StatusConflict, web.CodeAlreadyExists, msg, web.FieldError(k.field, "taken", msg))}
}
