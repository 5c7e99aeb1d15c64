package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/hallq/hallq/server/servertest"
)

// BenchmarkCallDelivery measures one call at a counter until every one of
// n websocket subscribers has read its ticket.called event: ns/op is the
// call-to-display time of the last screen, commit included. Subscribers
// and server share the process (and the machine's cores), as on loopback.
//
//	go test -run '^$' -bench CallDelivery -benchtime 200x ./server
func BenchmarkCallDelivery(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) { benchDelivery(b, n) })
	}
}

func benchDelivery(b *testing.B, n int) {
	clock := &dayClock{}
	h := servertest.Start(b, servertest.Options{Now: clock.now})
	officer := h.Login("canbo1")
	client := &http.Client{}
	if code, data, err := post(client, h.URL+"/api/v1/counters/1/open", officer, ""); err != nil || code != http.StatusOK {
		b.Fatalf("open counter 1: %d %v %s", code, err, data)
	}

	// Every subscriber passes the ids of the calls it reads to one channel.
	calls := make(chan string, 4*n)
	var readers sync.WaitGroup
	conns := make([]*websocket.Conn, n)
	wsURL := "ws" + strings.TrimPrefix(h.URL, "http") + "/api/v1/stream"
	for i := range conns {
		c, _, err := websocket.DefaultDialer.Dial(wsURL, nil)
		if err != nil {
			b.Fatalf("subscriber %d: %v", i, err)
		}
		conns[i] = c
		if _, _, err := c.ReadMessage(); err != nil { // the snapshot
			b.Fatalf("subscriber %d: %v", i, err)
		}
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				_, data, err := c.ReadMessage()
				if err != nil {
					return
				}
				if !bytes.Contains(data, []byte(`"ticket.called"`)) {
					continue
				}
				var ev struct{ Ticket struct{ ID string } }
				if json.Unmarshal(data, &ev) == nil {
					calls <- ev.Ticket.ID
				}
			}
		}()
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
		readers.Wait()
	}()

	services := []string{"A", "B"} // counter 1 serves both
	seen := map[string]int{}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		issueOne(b, client, h.URL, clock, services[i%2], i)
		post(client, h.URL+"/api/v1/counters/1/finish", officer, "")
		b.StartTimer()
		code, data, err := post(client, h.URL+"/api/v1/counters/1/next", officer, "")
		if err != nil || code != http.StatusOK {
			b.Fatalf("next: %d %v %s", code, err, data)
		}
		var t struct{ ID string }
		if err := json.Unmarshal(data, &t); err != nil {
			b.Fatal(err)
		}
		for seen[t.ID] < n {
			seen[<-calls]++
		}
		delete(seen, t.ID)
	}
}

// issueOne issues a ticket, moving the hall's clock a day on when the
// demo hall's numbers for the day run out.
func issueOne(b *testing.B, client *http.Client, url string, clock *dayClock, service string, i int) {
	for {
		day := clock.offset.Load()
		body := fmt.Sprintf(`{"service":%q,"idempotency_key":"delivery-%d-%d"}`, service, day, i)
		code, data, err := post(client, url+"/api/v1/tickets", servertest.KioskToken, body)
		if code == http.StatusServiceUnavailable && bytes.Contains(data, []byte("daily_cap")) {
			clock.next(day)
			continue
		}
		if err != nil || code != http.StatusCreated {
			b.Fatalf("issue: %d %v %s", code, err, data)
		}
		return
	}
}
