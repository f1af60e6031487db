package enrollment

import (
	"testing"

	"github.com/kabinet-edu/kabinet/gen/db"
)

// TestTransitions pins the state machine: every (action, status) pair.
func TestTransitions(t *testing.T) {
	t.Parallel()
	want := map[action]string{
		actEdit:           "draft needs_changes",
		actSubmit:         "draft needs_changes",
		actRequestChanges: "submitted resubmitted",
		actApprove:        "submitted resubmitted waitlisted",
		actReject:         "submitted needs_changes resubmitted waitlisted",
		actWithdraw:       "draft submitted needs_changes resubmitted waitlisted approved",
	}
	for act, ok := range want {
		got := ""
		for _, st := range db.AllApplicationStatusValues() {
			if allowed(act, st) {
				if got != "" {
					got += " "
				}
				got += string(st)
			}
		}
		if got != ok {
			t.Errorf("%s allowed from %q, want %q", act, got, ok)
		}
	}
}
