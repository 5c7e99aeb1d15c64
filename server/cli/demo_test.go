package cli

import (
	"bytes"
	"net"
	"strings"
	"testing"
)

// TestDemoPrintsItsPages: -demo prints the pages at the address the server
// really listens on (not a fixed localhost:8080), and the LAN addresses
// when it listens on every interface.
func TestDemoPrintsItsPages(t *testing.T) {
	lan := []net.IP{net.ParseIP("192.168.1.10")}
	for _, tc := range []struct {
		addr *net.TCPAddr
		want []string
	}{
		{&net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 18081}, []string{"http://127.0.0.1:18081/display/hall", "http://127.0.0.1:18081/officer",
			"http://127.0.0.1:18081/manager", "http://127.0.0.1:18081/admin", "http://127.0.0.1:18081/display/counter/1", "ws://127.0.0.1:18081/api/v1/stream"}},
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 8080}, []string{"http://localhost:8080/display/hall", "on the LAN:  http://192.168.1.10:8080"}},
	} {
		if got := demoBases(tc.addr, lan); len(got) == 0 {
			t.Fatalf("%v: no base", tc.addr)
		}
		var out bytes.Buffer
		bases := demoBases(tc.addr, lan)
		printDemoTo(&out, bases)
		for _, w := range tc.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("listening on %v, the demo's text lacks %q:\n%s", tc.addr, w, out.String())
			}
		}
		if tc.addr.Port != 8080 && strings.Contains(out.String(), ":8080") {
			t.Errorf("listening on %v, the demo's text names port 8080:\n%s", tc.addr, out.String())
		}
	}
}
