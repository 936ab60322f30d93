// Package dnssrv is a discovery source that looks up DNS SRV records on an
// interval: each record's target and port is an instance ("host:port").
//
//	instancer := dnssrv.NewInstancer("_http._tcp.users.example.internal", 30*time.Second, logger)
//	defer instancer.Stop()
//	endpointer := loadbalancer.NewEndpointer(instancer, factory, logger)
//
// Lookups go through a *net.Resolver, net.DefaultResolver unless the
// InstancerResolver option names another (one that talks to a particular DNS
// server, say). A lookup that fails (a timeout, a server failure) is
// reported as an error Event, so endpointers keep the last good set; a name
// that authoritatively has no records (NXDOMAIN, or no SRV answer) is an
// empty set.
//
// An Instancer starts one goroutine, stopped by Stop, and is safe for
// concurrent use.
package dnssrv
