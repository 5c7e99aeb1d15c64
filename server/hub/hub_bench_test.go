package hub

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hallq/hallq/internal/cputime"
)

// BenchmarkPublish publishes one event to n subscribers, each draining its
// queue on its own goroutine as a stream writer does, and waits until every
// one has it: ns/op is the hub's part of call-to-display latency, without
// the commit before it and the websocket write after it.
//
//	go test -run '^$' -bench Publish ./server/hub
func BenchmarkPublish(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) {
			h := New()
			var round atomic.Pointer[sync.WaitGroup]
			var stopped sync.WaitGroup
			for range n {
				s := h.Subscribe(1024)
				stopped.Add(1)
				go func() {
					defer stopped.Done()
					var buf []*Message
					for {
						select {
						case <-s.Ready():
							for range s.Take(buf[:0]) {
								round.Load().Done()
							}
						case <-s.Dropped:
							return
						}
					}
				}()
			}
			m := NewMessage(1, []byte(`{"seq":1,"type":"ticket.called","ticket":{"id":"abc","label":"1001"},"counter":1}`))
			cpu := cputime.Now()
			for b.Loop() {
				var got sync.WaitGroup
				got.Add(n)
				round.Store(&got)
				h.Publish(m)
				got.Wait()
			}
			cputime.Report(b, cpu, 0, "op")
			if d := h.DroppedTotal(); d > 0 {
				b.Errorf("%d subscribers dropped as slow", d)
			}
			h.mu.Lock()
			for s := range h.subs {
				delete(h.subs, s)
				close(s.Dropped)
			}
			h.mu.Unlock()
			stopped.Wait()
		})
	}
}
