package organizations

import (
	"context"
	"net/http"
	"time"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// Problem codes of organization administration (invitations, members,
// initial passwords).
const (
	codeInvitationInvalid = "invitation_invalid"
	codeInvitationExpired = "invitation_expired"
	codeInvitationPending = "invitation_pending"
	codeAlreadyMember     = "already_member"
	codeAccountExists     = "account_exists"
	codeCannotBlockSelf   = "cannot_block_self"
)

// peopleManagers may list members and invitations and send invitations.
// Directors read reports but do not manage people.
var peopleManagers = []db.MemberRole{db.MemberRoleManager, db.MemberRoleAdmin}

// mayInvite reports whether a member with role actor may invite somebody as
// role (and resend or revoke such an invitation): admins any role, managers
// learners and teachers, so nobody can hand out a role above their own.
func mayInvite(actor, role db.MemberRole) bool {
	switch actor {
	case db.MemberRoleAdmin:
		return true
	case db.MemberRoleManager:
		return role == db.MemberRoleLearner || role == db.MemberRoleTeacher
	}
	return false
}

func forbiddenRole(ctx context.Context, role db.MemberRole) error {
	return &web.Error{Problem: web.NewProblem(ctx, http.StatusForbidden, web.CodeForbidden,
		"Your role in this organization does not allow managing "+string(role)+" accounts; managers handle learners and teachers, admins every role.")}
}

func missingResource(ctx context.Context, detail string) error {
	return &web.Error{Problem: web.NewProblem(ctx, http.StatusNotFound, web.CodeNotFound, detail)}
}

// roleNames are what messages call the roles.
var roleNames = map[string]map[db.MemberRole]string{
	"ru": {
		db.MemberRoleLearner: "слушатель", db.MemberRoleTeacher: "преподаватель", db.MemberRoleManager: "менеджер",
		db.MemberRoleDirector: "директор", db.MemberRoleAdmin: "администратор",
	},
	"en": {
		db.MemberRoleLearner: "a learner", db.MemberRoleTeacher: "a teacher", db.MemberRoleManager: "a manager",
		db.MemberRoleDirector: "a director", db.MemberRoleAdmin: "an administrator",
	},
}

func roleName(locale string, role db.MemberRole) string {
	if locale != "en" {
		locale = "ru"
	}
	return roleNames[locale][role]
}

// mailTime is how messages write a deadline.
func mailTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") }

func memberDTO(m db.GetMemberRow) api.Member {
	return api.Member{
		UserID: m.UserID, FirstName: m.FirstName, LastName: m.LastName,
		Email: m.Email, Phone: m.Phone,
		Role: api.Role(m.Role), Status: api.MemberStatus(m.Status),
		JoinedAt: m.JoinedAt.UTC(), BlockedAt: web.UTCPtr(m.BlockedAt),
	}
}

func invitationDTO(i db.Invitation, now time.Time) api.Invitation {
	status := "pending"
	switch {
	case i.AcceptedAt != nil:
		status = "accepted"
	case i.RevokedAt != nil:
		status = "revoked"
	case !now.Before(i.ExpiresAt):
		status = "expired"
	}
	return api.Invitation{
		ID: i.ID, OrganizationID: i.OrganizationID, Email: i.Email,
		Role: api.Role(i.Role), FirstName: i.FirstName, LastName: i.LastName,
		Status: api.InvitationStatus(status), InvitedBy: i.InvitedBy, UserID: i.AcceptedUserID,
		CreatedAt: i.CreatedAt.UTC(), ExpiresAt: i.ExpiresAt.UTC(), AcceptedAt: web.UTCPtr(i.AcceptedAt),
	}
}
