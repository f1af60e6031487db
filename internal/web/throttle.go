package web

import (
	"context"
	"errors"
	"strings"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/audit"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/contact"
	"github.com/kabinet-edu/kabinet/internal/ratelimit"
	"github.com/kabinet-edu/kabinet/internal/store"
)

// Brute-force protection. Every attempt is counted before its credentials
// are checked, in one atomic statement, so parallel requests cannot slip
// past a limit; a success resets the account's counter, so in effect only
// failures add up there. A refused attempt gets 429 with Retry-After before
// any password is hashed, so a locked-out known account and an unknown one
// answer alike and equally fast.

// AttemptLimit is one counter an attempt is charged to.
type AttemptLimit struct {
	Rule    ratelimit.Rule
	Subject string
	// user is the account the subject stands for, if known: the lockout is
	// recorded in its audit log.
	User uuid.UUID
}

func LimitRule(name string, l config.Limit) ratelimit.Rule {
	return ratelimit.Rule{Name: name, Max: l.Max, Period: l.Period}
}

func (s *Base) LoginAccountRule() ratelimit.Rule {
	return LimitRule("login:account", s.Cfg.Security.Limits.LoginAccount)
}

// byIP charges the request's client address under the named limit.
func ByIP(ctx context.Context, name string, l config.Limit) AttemptLimit {
	subject := "unknown"
	if ip := MetaFrom(ctx).IP; ip != nil {
		subject = ip.String()
	}
	return AttemptLimit{Rule: LimitRule(name, l), Subject: subject}
}

// byAccount charges an account under the named limit.
func ByAccount(name string, l config.Limit, user uuid.UUID) AttemptLimit {
	return AttemptLimit{Rule: LimitRule(name, l), Subject: user.String(), User: user}
}

// limitAttempts charges one attempt to each limit in turn and refuses with
// a 429 problem at the first that is exhausted. The attempt that starts a
// lockout is audited as locked_out.
func (s *Base) LimitAttempts(ctx context.Context, limits ...AttemptLimit) error {
	return s.limitAttempts(ctx, s.Limiter, s.Q, limits)
}

// LimitAttemptsIn is LimitAttempts inside a transaction that commits
// whatever the outcome: the hits and the lockout's audit go through its q,
// never through a second connection of the pool.
func (s *Base) LimitAttemptsIn(ctx context.Context, q *db.Queries, limits ...AttemptLimit) error {
	return s.limitAttempts(ctx, s.Limiter.In(q), q, limits)
}

func (s *Base) limitAttempts(ctx context.Context, limiter *ratelimit.Limiter, q *db.Queries, limits []AttemptLimit) error {
	for _, l := range limits {
		d, err := limiter.Hit(ctx, l.Rule, l.Subject)
		if err != nil {
			return err
		}
		if d.Allowed {
			continue
		}
		if d.Hits == l.Rule.Max+1 {
			if err := s.Record(ctx, q, audit.LockedOut, l.User, map[string]any{
				"limit": l.Rule.Name, "retryAfterSeconds": d.RetryAfterSeconds(),
			}); err != nil {
				return err
			}
		}
		return TooManyRequests(ctx, d)
	}
	return nil
}

// limitSignIn charges a password sign-in to the client's address and to the
// account. An unknown login is charged under its normalized spelling, so it
// locks out after as many attempts as a real account: lockouts reveal
// nothing. lookupErr is the error of finding the account; other errors than
// "not found" are left to the caller.
func (s *Base) LimitSignIn(ctx context.Context, login string, user db.User, lookupErr error) error {
	lim := s.Cfg.Security.Limits
	account := AttemptLimit{Rule: s.LoginAccountRule(), Subject: "login:" + LoginKey(login, s.Cfg.PhoneDefaultRegion)}
	switch {
	case lookupErr == nil:
		account = ByAccount("login:account", lim.LoginAccount, user.ID)
	case !errors.Is(lookupErr, store.ErrNotFound):
		return nil
	}
	return s.LimitAttempts(ctx, ByIP(ctx, "login:ip", lim.LoginIP), account)
}

// signInSucceeded starts the account's failure count over.
func (s *Base) SignInSucceeded(ctx context.Context, user uuid.UUID) {
	if err := s.Limiter.Reset(ctx, s.LoginAccountRule(), user.String()); err != nil {
		s.Log.WarnContext(ctx, "reset sign-in limit", "err", err, "user_id", user)
	}
}

// loginKey spells a login the way accounts are looked up: a normalized
// e-mail or E.164 phone, else the trimmed lower-case text.
func LoginKey(login, region string) string {
	if contact.IsEmailLike(login) {
		if e, err := contact.NormalizeEmail(login); err == nil {
			return e
		}
	} else if p, err := contact.NormalizePhone(login, region); err == nil {
		return p
	}
	return strings.ToLower(strings.TrimSpace(login))
}
