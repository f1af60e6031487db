package oidc

import (
	"net/http"

	"github.com/kabinet-edu/kabinet/internal/config"
)

// Registry holds the configured providers by name, in configuration order.
type Registry struct {
	byName map[string]*Provider
	list   []*Provider
}

// NewRegistry makes a Provider for each configured one; client nil means
// a client with a 10-second timeout.
func NewRegistry(providers []config.SSOProvider, client *http.Client) *Registry {
	r := &Registry{byName: map[string]*Provider{}}
	for _, c := range providers {
		p := NewProvider(c, client)
		r.byName[c.Name] = p
		r.list = append(r.list, p)
	}
	return r
}

// Get returns the provider named name.
func (r *Registry) Get(name string) (*Provider, bool) {
	p, ok := r.byName[name]
	return p, ok
}

// List returns every provider in configuration order.
func (r *Registry) List() []*Provider { return r.list }
