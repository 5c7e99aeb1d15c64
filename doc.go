// Package hallq is the domain of a queue-management system for public
// service halls: tickets and their states, services, counters, the events
// of the hall's log, ratings, devices and staff, the hall's settings, the
// coded errors every part answers with, and the JSON shapes of the hall
// server's API (wire.go). It imports nothing else from the project; every
// other package builds on it (docs/ARCHITECTURE.md has the package map).
package hallq
