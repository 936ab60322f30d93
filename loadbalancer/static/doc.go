// Package static is a discovery source for instances known in advance: a
// list from configuration, or one the program changes itself (from a file it
// watches, an admin endpoint, a test).
//
//	instancer := static.NewInstancer([]string{"10.0.0.1:8080", "10.0.0.2:8080"})
//	endpointer := loadbalancer.NewEndpointer(instancer, factory, logger)
//
// An Instancer is safe for concurrent use and starts no goroutine.
package static
