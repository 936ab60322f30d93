package loadbalancer

// Registrar registers an instance of this service with a service discovery
// system, and removes it. The registrars of the discovery packages
// (consul, etcd, zk) implement it. It is Go kit's sd.Registrar.
type Registrar interface {
	Register()
	Deregister()
}
