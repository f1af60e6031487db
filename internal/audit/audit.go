// Package audit records security events (sign-ins, credential and contact
// changes, revocations, invitations, role changes) for the user and for the
// organization's administrators.
package audit

import (
	"context"
	"encoding/json"
	"net/netip"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/db"
)

// Event names. They are part of the API (clients filter on them): never
// rename one, only add.
const (
	SignIn               = "sign_in"
	SignInFailed         = "sign_in_failed"
	SignOut              = "sign_out"
	Registered           = "registered"
	PasswordChanged      = "password_changed"
	PasswordReset        = "password_reset"
	EmailChanged         = "email_changed"
	PhoneChanged         = "phone_changed"
	EmailConfirmed       = "email_confirmed"
	PhoneConfirmed       = "phone_confirmed"
	SessionRevoked       = "session_revoked"
	RefreshTokenReused   = "refresh_token_reused"
	TOTPEnabled          = "totp_enabled"
	TOTPDisabled         = "totp_disabled"
	TOTPReset            = "totp_reset"
	RecoveryCodesRenewed = "recovery_codes_regenerated"
	CertificateBound     = "certificate_bound"
	CertificateUnbound   = "certificate_unbound"
	SSOLinked            = "sso_linked"
	InvitationSent       = "invitation_sent"
	InvitationAccepted   = "invitation_accepted"
	RoleChanged          = "role_changed"
	MemberBlocked        = "member_blocked"
	MemberUnblocked      = "member_unblocked"
	AccountClosed        = "account_closed"
	LockedOut            = "locked_out"
	// OrganizationSecurityChanged: an admin changed the organization's
	// security settings (e.g. required a second factor of its staff).
	OrganizationSecurityChanged = "organization_security_changed"
	SSOUnlinked                 = "sso_unlinked"
	// MarketingConsentChanged records advertising opt-ins and opt-outs
	// (proof of consent).
	MarketingConsentChanged = "marketing_consent_changed"
	InvitationRevoked       = "invitation_revoked"
	MemberImported          = "member_imported"
	// PasswordResetRequested: a reset link or code was sent to the account.
	PasswordResetRequested = "password_reset_requested"
)

// Event is one audit record. UserID is whom it concerns; ActorID who did it
// when that is somebody else (an administrator); OrgID scopes it to an
// organization's log.
type Event struct {
	Name      string
	UserID    *uuid.UUID
	ActorID   *uuid.UUID
	OrgID     *uuid.UUID
	IP        *netip.Addr
	UserAgent string
	Details   map[string]any
}

// Record writes e through q (bind q to the transaction of the change, so the
// record exists exactly when the change does).
func Record(ctx context.Context, q *db.Queries, e Event) error {
	details := []byte("{}")
	if len(e.Details) > 0 {
		var err error
		if details, err = json.Marshal(e.Details); err != nil {
			return err
		}
	}
	return q.RecordAuditEvent(ctx, db.RecordAuditEventParams{
		Event: e.Name, UserID: e.UserID, ActorID: e.ActorID, OrganizationID: e.OrgID,
		Ip: e.IP, UserAgent: e.UserAgent, Details: details,
	})
}

// Mailing subscriptions (proof of consent) and organizations' mailings.
const (
	MailingSubscribed   = "mailing_subscribed"
	MailingUnsubscribed = "mailing_unsubscribed"
	MailingCreated      = "mailing_created"
)
