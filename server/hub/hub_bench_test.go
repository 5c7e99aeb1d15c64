package hub

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hallq/hallq/internal/cputime"
)

// countingWriter takes every frame at once, as an idle screen's socket
// does, and counts the deliveries of the round.
type countingWriter struct {
	round *atomic.Pointer[sync.WaitGroup]
}

func (w countingWriter) TryWrite(frames [][]byte) (int, error) {
	n := 0
	for _, f := range frames {
		n += len(f)
		w.round.Load().Done()
	}
	return n, nil
}

// BenchmarkPublish publishes one event to n subscribers and waits until
// every one has it: ns/op is the hub's part of call-to-display latency,
// without the commit before it and the socket's write(2) itself.
//
//   - direct: the hub writes to each subscriber's connection itself (a
//     stream on a socket that takes the event at once);
//
//   - goroutine: each subscriber's own goroutine is woken and takes the
//     event from its queue (a stream not on a socket, or whose socket was
//     full).
//
//     go test -run '^$' -bench Publish ./server/hub
func BenchmarkPublish(b *testing.B) {
	for _, mode := range []string{"direct", "goroutine"} {
		for _, n := range []int{100, 1000, 10000} {
			b.Run(fmt.Sprintf("%s/subscribers=%d", mode, n), func(b *testing.B) {
				h := New()
				var round atomic.Pointer[sync.WaitGroup]
				var stopped sync.WaitGroup
				for range n {
					s := h.Subscribe(1024)
					if mode == "direct" {
						s.Attach(countingWriter{&round}, false)
						continue
					}
					s.Attach(nil, false)
					stopped.Add(1)
					go func() {
						defer stopped.Done()
						var buf [][]byte
						for {
							select {
							case <-s.Ready():
								for range s.TakeFrames(buf[:0]) {
									round.Load().Done()
								}
								s.Release()
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
				for _, sh := range h.shards {
					sh.mu.Lock()
					for _, s := range sh.subs {
						close(s.Dropped)
					}
					sh.subs = nil
					sh.mu.Unlock()
				}
				stopped.Wait()
			})
		}
	}
}
