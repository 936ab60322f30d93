// Package profilesvc is a Go kit service in the style of Go kit's profilesvc
// example, written against Go kit v0.13: a REST service over an in-memory
// store of profiles and their addresses, with an HTTP server, an HTTP client
// that is itself a Service, and logging, metrics and rate-limiting
// middlewares.
package profilesvc

import (
	"context"
	"errors"
	"sync"
)

// Service manages profiles.
type Service interface {
	PostProfile(ctx context.Context, p Profile) error
	GetProfile(ctx context.Context, id string) (Profile, error)
	PutProfile(ctx context.Context, id string, p Profile) error
	DeleteProfile(ctx context.Context, id string) error
	GetAddresses(ctx context.Context, profileID string) ([]Address, error)
	PostAddress(ctx context.Context, profileID string, a Address) error
}

// Profile is a user's profile.
type Profile struct {
	ID        string    `json:"id"`
	Name      string    `json:"name,omitempty"`
	Addresses []Address `json:"addresses,omitempty"`
}

// Address is one of a profile's addresses.
type Address struct {
	ID       string `json:"id"`
	Location string `json:"location,omitempty"`
}

// The service's errors.
var (
	ErrInconsistentIDs = errors.New("inconsistent IDs")
	ErrAlreadyExists   = errors.New("already exists")
	ErrNotFound        = errors.New("not found")
)

type inmemService struct {
	mu sync.RWMutex
	m  map[string]Profile
}

// NewInmemService returns a Service keeping profiles in memory.
func NewInmemService() Service { return &inmemService{m: map[string]Profile{}} }

func (s *inmemService) PostProfile(_ context.Context, p Profile) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[p.ID]; ok {
		return ErrAlreadyExists
	}
	s.m[p.ID] = p
	return nil
}

func (s *inmemService) GetProfile(_ context.Context, id string) (Profile, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, ok := s.m[id]
	if !ok {
		return Profile{}, ErrNotFound
	}
	return p, nil
}

func (s *inmemService) PutProfile(_ context.Context, id string, p Profile) error {
	if id != p.ID {
		return ErrInconsistentIDs
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[id] = p
	return nil
}

func (s *inmemService) DeleteProfile(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[id]; !ok {
		return ErrNotFound
	}
	delete(s.m, id)
	return nil
}

func (s *inmemService) GetAddresses(_ context.Context, profileID string) ([]Address, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, ok := s.m[profileID]
	if !ok {
		return nil, ErrNotFound
	}
	return p.Addresses, nil
}

func (s *inmemService) PostAddress(_ context.Context, profileID string, a Address) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.m[profileID]
	if !ok {
		return ErrNotFound
	}
	for _, have := range p.Addresses {
		if have.ID == a.ID {
			return ErrAlreadyExists
		}
	}
	p.Addresses = append(p.Addresses, a)
	s.m[profileID] = p
	return nil
}
