package journey_test

import "testing"

// TestLearnerJourney plays PRODUCT.md's learner journey end to end, in
// order, through the generated client: the staff publish a paid program,
// a visitor finds it, applies, is reviewed and approved, pays in two parts,
// studies, passes the final test, talks to the teacher, sees the webinar
// in the calendar, and receives a completion document anybody can verify.
func TestLearnerJourney(t *testing.T) {
	t.Parallel()
	newJourney(t).play(t)
}

// TestStaffSeeTheJourney plays the journey, then checks what the staff see
// of it: the application, the order, the group's progress, the attempt
// and the issued document.
func TestStaffSeeTheJourney(t *testing.T) {
	t.Parallel()
	j := newJourney(t)
	j.play(t)
	t.Run("7 the staff's view", j.staffView)
}

// play runs the journey's steps in order, one subtest each; a failed step
// ends the test, as each builds on the previous ones.
func (j *journey) play(t *testing.T) {
	t.Helper()
	steps := []struct {
		name string
		run  func(*testing.T)
	}{
		{"1 staff publish a paid ПК program", j.staffPublishesProgram},
		{"2 a visitor finds it and applies", j.visitorApplies},
		{"3 the manager reviews", j.managerReviews},
		{"4 the learner pays in installments", j.learnerPays},
		{"5a the learner studies and passes", j.learnerStudies},
		{"5b the learner talks and plans", j.learnerTalksAndPlans},
		{"6 the completion document", j.documentIsIssued},
	}
	for _, s := range steps {
		if !t.Run(s.name, s.run) {
			t.FailNow()
		}
	}
}
