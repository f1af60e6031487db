package enrollment

import (
	"context"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/notifications"
	"github.com/kabinet-edu/kabinet/internal/notify"
)

// decisionTemplates name the e-mail of each status a decision leads to.
var decisionTemplates = map[db.ApplicationStatus]string{
	db.ApplicationStatusNeedsChanges: "application_changes_requested",
	db.ApplicationStatusApproved:     "application_approved",
	db.ApplicationStatusWaitlisted:   "application_waitlisted",
	db.ApplicationStatusRejected:     "application_rejected",
}

// tellDecision queues the e-mail that tells the applicant of a's new
// status, in the transaction of the decision (so it is sent exactly when
// the decision is committed).
func (s *Handler) tellDecision(ctx context.Context, q txn, a db.Application, reason *string) error {
	tpl, ok := decisionTemplates[a.Status]
	if !ok {
		return nil
	}
	u, err := q.GetUserByID(ctx, a.UserID)
	if err != nil {
		return err
	}
	c, err := q.ApplicationContext(ctx, db.ApplicationContextParams{ProgramID: a.ProgramID, GroupID: a.GroupID})
	if err != nil {
		return err
	}
	data := map[string]any{
		"FirstName": a.FirstName, "ProgramTitle": c.ProgramTitle, "GroupCode": c.GroupCode,
		"OrgName": c.OrganizationName, "Reason": "",
	}
	if reason != nil {
		data["Reason"] = *reason
	}
	if err := s.outbox.Enqueue(ctx, q.tx, notify.Message{Channel: notify.Email, To: u.Email, Template: tpl, Locale: u.Locale, Data: data}); err != nil {
		return err
	}
	if s.pub == nil {
		return nil
	}
	t := decisionTitles[a.Status]
	e := notifications.Event{
		UserID: a.UserID, OrganizationID: &a.OrganizationID, Category: notifications.CategoryApplication,
		Title: notifications.Text{RU: t.RU + ": " + c.ProgramTitle, EN: t.EN + ": " + c.ProgramTitle},
		Link:  &notifications.Link{Kind: "application", ID: a.ID.String(), Path: "/applications/" + a.ID.String()},
		// The decision e-mail above carries the details.
		OwnEmail: true,
	}
	if reason != nil {
		e.Body = notifications.Text{RU: *reason, EN: *reason}
	}
	return s.pub.Publish(ctx, q.tx, e)
}

// decisionTitles head the inbox notification of each decision.
var decisionTitles = map[db.ApplicationStatus]notifications.Text{
	db.ApplicationStatusNeedsChanges: {RU: "Заявку нужно исправить", EN: "Your application needs changes"},
	db.ApplicationStatusApproved:     {RU: "Заявка одобрена", EN: "Your application is approved"},
	db.ApplicationStatusWaitlisted:   {RU: "Вы в листе ожидания", EN: "You are on the waiting list"},
	db.ApplicationStatusRejected:     {RU: "Заявка отклонена", EN: "Your application is rejected"},
}
