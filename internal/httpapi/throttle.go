package httpapi

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

// attemptLimit is one counter an attempt is charged to.
type attemptLimit struct {
	rule    ratelimit.Rule
	subject string
	// user is the account the subject stands for, if known: the lockout is
	// recorded in its audit log.
	user uuid.UUID
}

func limitRule(name string, l config.Limit) ratelimit.Rule {
	return ratelimit.Rule{Name: name, Max: l.Max, Period: l.Period}
}

func (s *Server) loginAccountRule() ratelimit.Rule {
	return limitRule("login:account", s.cfg.Security.Limits.LoginAccount)
}

// byIP charges the request's client address under the named limit.
func byIP(ctx context.Context, name string, l config.Limit) attemptLimit {
	subject := "unknown"
	if ip := metaFrom(ctx).ip; ip != nil {
		subject = ip.String()
	}
	return attemptLimit{rule: limitRule(name, l), subject: subject}
}

// byAccount charges an account under the named limit.
func byAccount(name string, l config.Limit, user uuid.UUID) attemptLimit {
	return attemptLimit{rule: limitRule(name, l), subject: user.String(), user: user}
}

// limitAttempts charges one attempt to each limit in turn and refuses with
// a 429 problem at the first that is exhausted. The attempt that starts a
// lockout is audited as locked_out.
func (s *Server) limitAttempts(ctx context.Context, limits ...attemptLimit) error {
	for _, l := range limits {
		d, err := s.limiter.Hit(ctx, l.rule, l.subject)
		if err != nil {
			return err
		}
		if d.Allowed {
			continue
		}
		if d.Hits == l.rule.Max+1 {
			if err := s.record(ctx, s.q, audit.LockedOut, l.user, map[string]any{
				"limit": l.rule.Name, "retryAfterSeconds": d.RetryAfterSeconds(),
			}); err != nil {
				return err
			}
		}
		return tooManyRequests(ctx, d)
	}
	return nil
}

// limitSignIn charges a password sign-in to the client's address and to the
// account. An unknown login is charged under its normalized spelling, so it
// locks out after as many attempts as a real account: lockouts reveal
// nothing. lookupErr is the error of finding the account; other errors than
// "not found" are left to the caller.
func (s *Server) limitSignIn(ctx context.Context, login string, user db.User, lookupErr error) error {
	lim := s.cfg.Security.Limits
	account := attemptLimit{rule: s.loginAccountRule(), subject: "login:" + loginKey(login, s.cfg.PhoneDefaultRegion)}
	switch {
	case lookupErr == nil:
		account = byAccount("login:account", lim.LoginAccount, user.ID)
	case !errors.Is(lookupErr, store.ErrNotFound):
		return nil
	}
	return s.limitAttempts(ctx, byIP(ctx, "login:ip", lim.LoginIP), account)
}

// signInSucceeded starts the account's failure count over.
func (s *Server) signInSucceeded(ctx context.Context, user uuid.UUID) {
	if err := s.limiter.Reset(ctx, s.loginAccountRule(), user.String()); err != nil {
		s.log.WarnContext(ctx, "reset sign-in limit", "err", err, "user_id", user)
	}
}

// loginKey spells a login the way accounts are looked up: a normalized
// e-mail or E.164 phone, else the trimmed lower-case text.
func loginKey(login, region string) string {
	if contact.IsEmailLike(login) {
		if e, err := contact.NormalizeEmail(login); err == nil {
			return e
		}
	} else if p, err := contact.NormalizePhone(login, region); err == nil {
		return p
	}
	return strings.ToLower(strings.TrimSpace(login))
}
