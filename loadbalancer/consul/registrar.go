package consul

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/consul/api"

	"github.com/endpointkit/kit/log"
)

// Service is what a Registrar registers with the local Consul agent. Name
// and Port are required; the zero value of every other field is sensible.
type Service struct {
	// Name is the service's name, which Instancers follow.
	Name string
	// ID names this instance among the service's instances on the agent.
	// Empty means Name-Address-Port (Name-Port without an Address).
	ID string
	// Address is the host clients call. Empty means the agent's node
	// address.
	Address string
	// Port is the port clients call.
	Port int
	// Tags and Meta are registered with the instance, for Instancers to
	// filter on (see InstancerTags) and for operators to read.
	Tags []string
	Meta map[string]string
	// TTL is the time to live of the instance's health check: the
	// Registrar passes it every TTL/3, and the instance leaves the passing
	// set when the process stops doing so. Zero means 10s.
	TTL time.Duration
	// DeregisterAfter is how long the check may stay critical before the
	// agent removes the instance from the catalog altogether. Zero means
	// 1m; Consul enforces that minimum, and reaps every 30s.
	DeregisterAfter time.Duration
}

// Registrar registers one instance of a service with the local Consul agent,
// with a TTL health check that it keeps passing. It is safe for concurrent
// use; its zero value is not: use NewRegistrar.
type Registrar struct {
	client  *api.Client
	service Service
	checkID string
	logger  log.Logger

	mu     sync.Mutex // guards cancel, done
	cancel context.CancelFunc
	done   chan struct{}
}

// NewRegistrar returns a Registrar for service; nothing happens until
// Register.
func NewRegistrar(client *api.Client, service Service, logger log.Logger) *Registrar {
	if logger == nil {
		logger = log.NewNopLogger()
	}
	if service.TTL <= 0 {
		service.TTL = 10 * time.Second
	}
	if service.DeregisterAfter <= 0 {
		service.DeregisterAfter = time.Minute
	}
	if service.ID == "" {
		service.ID = service.Name + "-"
		if service.Address != "" {
			service.ID += service.Address + "-"
		}
		service.ID += strconv.Itoa(service.Port)
	}
	return &Registrar{client: client, service: service, checkID: "service:" + service.ID, logger: logger}
}

// Register starts a goroutine that registers the instance (as passing),
// passes its TTL check every TTL/3, and registers it again whenever the
// agent no longer knows it (the agent restarted, or reaped it after a long
// pause), until Deregister. Errors are logged and retried at the next
// renewal. Calling Register while registered does nothing.
func (r *Registrar) Register() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel, r.done = cancel, make(chan struct{})
	go r.run(ctx, r.done)
}

func (r *Registrar) run(ctx context.Context, done chan struct{}) {
	defer close(done)
	registered := false
	t := time.NewTicker(r.service.TTL / 3)
	defer t.Stop()
	for {
		if registered {
			// Pass the check; a failure (most often "unknown check": the
			// agent forgot us) means registering again, at once.
			if err := r.pass(ctx); err != nil && ctx.Err() == nil {
				r.logger.Log("component", "consul", "service", r.service.ID, "action", "pass", "err", err)
				registered = false
			}
		}
		if !registered && ctx.Err() == nil {
			if err := r.register(ctx); err != nil {
				if ctx.Err() == nil {
					r.logger.Log("component", "consul", "service", r.service.ID, "action", "register", "err", err)
				}
			} else {
				registered = true
				r.logger.Log("component", "consul", "service", r.service.ID, "action", "register")
			}
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
	}
}

func (r *Registrar) register(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, r.service.TTL)
	defer cancel()
	s := r.service
	reg := &api.AgentServiceRegistration{
		ID:      s.ID,
		Name:    s.Name,
		Address: s.Address,
		Port:    s.Port,
		Tags:    s.Tags,
		Meta:    s.Meta,
		Check: &api.AgentServiceCheck{
			CheckID:                        r.checkID,
			Name:                           "TTL of " + s.ID,
			TTL:                            s.TTL.String(),
			Status:                         api.HealthPassing,
			DeregisterCriticalServiceAfter: s.DeregisterAfter.String(),
		},
	}
	return r.client.Agent().ServiceRegisterOpts(reg, api.ServiceRegisterOpts{ReplaceExistingChecks: true}.WithContext(ctx))
}

func (r *Registrar) pass(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, r.service.TTL)
	defer cancel()
	return r.client.Agent().UpdateTTLOpts(r.checkID, "", api.HealthPassing, (&api.QueryOptions{}).WithContext(ctx))
}

// stopRenewing stops the goroutine without deregistering, as a crash
// would; the check then fails after its TTL. It reports whether the
// Registrar was registered.
func (r *Registrar) stopRenewing() bool {
	r.mu.Lock()
	cancel, done := r.cancel, r.done
	r.cancel, r.done = nil, nil
	r.mu.Unlock()
	if cancel == nil {
		return false
	}
	cancel()
	<-done
	return true
}

// Deregister stops passing the check and removes the instance from the
// agent (when the agent is unreachable, the instance's check fails after its
// TTL, and the agent removes it DeregisterAfter later). Errors are logged.
// Calling it when not registered does nothing.
func (r *Registrar) Deregister() {
	if !r.stopRenewing() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.client.Agent().ServiceDeregisterOpts(r.service.ID, (&api.QueryOptions{}).WithContext(ctx)); err != nil {
		r.logger.Log("component", "consul", "service", r.service.ID, "action", "deregister", "err", err)
		return
	}
	r.logger.Log("component", "consul", "service", r.service.ID, "action", "deregister")
}
