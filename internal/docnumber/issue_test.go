package docnumber_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/docnumber"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/testdb"
)

// defaultOrg is created by the first migration.
var defaultOrg = uuid.MustParse("00000000-0000-0000-0000-000000000001")

var errRollback = errors.New("the document could not be stored")

// TestNextUnderConcurrency issues numbers from 50 goroutines at once, every
// fifth transaction rolling back after taking its number: the committed
// numbers are exactly 1…40, each once.
func TestNextUnderConcurrency(t *testing.T) {
	pool := testdb.New(t)
	ctx := context.Background()
	p, err := docnumber.ParsePattern("{year}-{seq:06}", "")
	if err != nil {
		t.Fatal(err)
	}
	date := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var (
		mu       sync.Mutex
		issued   []docnumber.Number
		wg       sync.WaitGroup
		failures = make(chan error, 50)
	)
	for i := range 50 {
		wg.Go(func() {
			err := store.InTx(ctx, pool, func(q *db.Queries) error {
				n, err := docnumber.Next(ctx, q, defaultOrg, "certificate", p, date, "")
				if err != nil {
					return err
				}
				time.Sleep(time.Millisecond) // hold the lock a little, like a real insert
				if i%5 == 4 {
					return errRollback
				}
				mu.Lock()
				issued = append(issued, n)
				mu.Unlock()
				return nil
			})
			if err != nil && !errors.Is(err, errRollback) {
				failures <- err
			}
		})
	}
	wg.Wait()
	close(failures)
	for err := range failures {
		t.Fatal(err)
	}
	var seqs []int64
	texts := map[string]bool{}
	for _, n := range issued {
		seqs = append(seqs, n.Seq)
		texts[n.Text] = true
		if n.Text != fmt.Sprintf("2026-%06d", n.Seq) || n.Period != 2026 {
			t.Errorf("number %+v", n)
		}
	}
	slices.Sort(seqs)
	want := make([]int64, 40)
	for i := range want {
		want[i] = int64(i + 1)
	}
	if !slices.Equal(seqs, want) || len(texts) != 40 {
		t.Fatalf("committed numbers %v, want 1…40 without gaps or duplicates", seqs)
	}
}

func TestNextSequencesAreSeparate(t *testing.T) {
	pool := testdb.New(t)
	ctx := context.Background()
	q := db.New(pool)
	yearly, _ := docnumber.ParsePattern("ПК-{seq:05}/{yy}", "")
	forever, _ := docnumber.ParsePattern("Д-{seq}", "")
	d2026 := time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC)
	d2027 := time.Date(2027, 1, 1, 1, 0, 0, 0, time.UTC)
	var other uuid.UUID
	if err := pool.QueryRow(ctx, `INSERT INTO organizations (slug, name) VALUES ('other', 'Другой центр') RETURNING id`).Scan(&other); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		org    uuid.UUID
		kind   string
		p      *docnumber.Pattern
		date   time.Time
		want   string
		wantSq int64
	}{
		{defaultOrg, "certificate", yearly, d2026, "ПК-00001/26", 1},
		{defaultOrg, "certificate", yearly, d2026, "ПК-00002/26", 2},
		{defaultOrg, "certificate", yearly, d2027, "ПК-00001/27", 1}, // a new year restarts
		{defaultOrg, "diploma", yearly, d2026, "ПК-00001/26", 1},     // another kind
		{other, "certificate", yearly, d2026, "ПК-00001/26", 1},      // another organization
		{defaultOrg, "badge", forever, d2026, "Д-1", 1},
		{defaultOrg, "badge", forever, d2027, "Д-2", 2}, // no reset
	}
	for i, s := range steps {
		n, err := docnumber.Next(ctx, q, s.org, s.kind, s.p, s.date, "")
		if err != nil {
			t.Fatal(err)
		}
		if n.Text != s.want || n.Seq != s.wantSq {
			t.Errorf("step %d: %+v, want %s (%d)", i, n, s.want, s.wantSq)
		}
	}
	if _, err := docnumber.Next(ctx, q, defaultOrg, "Bad Kind", forever, d2026, ""); err == nil {
		t.Error("accepted an invalid kind")
	}
}

func TestLast(t *testing.T) {
	pool := testdb.New(t)
	ctx := context.Background()
	q := db.New(pool)
	p, _ := docnumber.ParsePattern("{seq}", "")
	now := time.Now()
	if n, err := docnumber.Last(ctx, q, defaultOrg, "certificate", p, now); err != nil || n != 0 {
		t.Fatalf("Last before the first = %d, %v", n, err)
	}
	_, _ = docnumber.Next(ctx, q, defaultOrg, "certificate", p, now, "")
	if n, _ := docnumber.Last(ctx, q, defaultOrg, "certificate", p, now); n != 1 {
		t.Errorf("Last = %d, want 1", n)
	}
}
