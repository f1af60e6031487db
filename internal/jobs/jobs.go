// Package jobs owns Kabinet's background work on River: the one River client
// of a process, the registry where domains put their workers, queues and
// periodic jobs, and the Inserter through which a domain adds a job to the
// transaction of the change that causes it.
//
// A domain that needs background work defines its job args (a struct with a
// Kind), a river.Worker for them and a Register function that calls Add on
// the Registry; it inserts jobs with an Inserter inside store.InTxJobs, so a
// job exists exactly when its change was committed. internal/workers lists
// every domain's Register; the process (kabinet serve or kabinet worker)
// builds one Client from that registry.
package jobs

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Queues. A queue's workers are shared by its kinds, so short,
// latency-sensitive jobs (a sign-in code someone is waiting for) get a queue
// of their own, where long ones (an export) cannot hold them up.
const (
	// QueueDefault takes housekeeping and any job without a queue of its own.
	// Its size is KABINET_JOBS_CONCURRENCY.
	QueueDefault = river.QueueDefault
	// QueueMessages takes outbox deliveries. Its size is
	// KABINET_OUTBOX_CONCURRENCY.
	QueueMessages = "messages"
)

// Inserter adds jobs to the caller's transaction. *Client and River's own
// client both satisfy it; tests may pass either.
type Inserter interface {
	InsertTx(ctx context.Context, tx pgx.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Registry collects what the domains contribute to a working process:
// workers (one per job kind), queues beyond the default one, and periodic
// jobs. It is filled before the Client is built and not changed afterwards.
type Registry struct {
	workers  *river.Workers
	queues   map[string]int
	periodic []*river.PeriodicJob
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{workers: river.NewWorkers(), queues: map[string]int{}}
}

// Add registers w as the worker of its job kind. A kind may have only one
// worker.
func Add[T river.JobArgs](r *Registry, w river.Worker[T]) error {
	if err := river.AddWorkerSafely(r.workers, w); err != nil {
		return fmt.Errorf("register job worker: %w", err)
	}
	return nil
}

// Queue makes the process work queue name with up to maxWorkers jobs at
// once. Declaring a queue again changes its size.
func (r *Registry) Queue(name string, maxWorkers int) {
	r.queues[name] = maxWorkers
}

// Periodic adds a job that the elected leader among the working processes
// inserts on its schedule, so that one process runs it however many there
// are. Give it a PeriodicJobOpts.ID: it names the job across restarts.
func (r *Registry) Periodic(j *river.PeriodicJob) {
	r.periodic = append(r.periodic, j)
}

// CompletionCheckArgs asks whether userID now meets programID's completion
// requirements and, if so, issues the completion document. It lives here,
// below the domains, because the learning domain (a completed lesson) and
// assessment (a passed test) insert it and the completion-documents domain
// works it. Checks are not unique: River refuses a uniqueness that leaves
// running jobs out, and one that counted them would drop the check of a
// lesson completed while an earlier check was running (and had read the
// verdict before it). A check is cheap and idempotent — the worker locks
// the learner and program and issues at most one valid document.
type CompletionCheckArgs struct {
	UserID    uuid.UUID `json:"user_id"`
	ProgramID uuid.UUID `json:"program_id"`
}

// Kind names the job in River.
func (CompletionCheckArgs) Kind() string { return "completion_check" }
