package discard_test

import (
	"fmt"

	"github.com/endpointkit/kit/metrics"
	"github.com/endpointkit/kit/metrics/discard"
)

// A component takes its instruments as dependencies; discard is the default
// when the caller does not care.
type worker struct{ processed metrics.Counter }

func newWorker(processed metrics.Counter) *worker {
	if processed == nil {
		processed = discard.NewCounter()
	}
	return &worker{processed: processed}
}

func Example() {
	w := newWorker(nil)
	w.processed.With("queue", "default").Add(1) // recorded nowhere
	fmt.Println("ok")
	// Output: ok
}
