package loadbalancer

// FixedInstancer is an Instancer over a set of instances that never
// changes: Register sends it once and nothing follows. It is Go kit's
// sd.FixedInstancer, for configuration known at start and for tests; for a
// set the program changes, use package static. It is safe for concurrent
// use as long as nobody modifies the slice.
type FixedInstancer []string

// Register implements Instancer: it sends the instances to ch at once.
func (d FixedInstancer) Register(ch chan<- Event) { ch <- Event{Instances: d} }

// Deregister implements Instancer; there is nothing to undo.
func (d FixedInstancer) Deregister(chan<- Event) {}

// Stop implements Instancer; there is nothing to stop.
func (d FixedInstancer) Stop() {}
