package cli

import (
	"crypto/tls"
	"flag"
	"log/slog"
	"net"
	"net/http"
	"net/netip"

	"github.com/hallq/hallq/server/api"
	"github.com/hallq/hallq/server/connlimit"
)

// webFlags are how a server meets the network: HTTPS of its own, or the
// reverse proxies it trusts to say a client used HTTPS.
type webFlags struct {
	tlsCert, tlsKey string
	trustedProxies  string
	proxies         []netip.Prefix
}

func (w *webFlags) flags(fs *flag.FlagSet) {
	fs.StringVar(&w.tlsCert, "tls-cert", "", "serve HTTPS with this certificate (PEM; with -tls-key)")
	fs.StringVar(&w.tlsKey, "tls-key", "", "the private key of -tls-cert (PEM)")
	fs.StringVar(&w.trustedProxies, "trusted-proxies", "", "reverse proxies whose X-Forwarded-Proto and X-Forwarded-For are believed, comma-separated addresses or networks (127.0.0.1,10.0.0.0/24)")
}

// check reads the flags: the certificate and key go together and must
// load; the proxies must parse.
func (w *webFlags) check() error {
	if (w.tlsCert == "") != (w.tlsKey == "") {
		return usagef("-tls-cert and -tls-key go together")
	}
	if w.tlsCert != "" {
		if _, err := tls.LoadX509KeyPair(w.tlsCert, w.tlsKey); err != nil {
			return usagef("-tls-cert %s, -tls-key %s: %v", w.tlsCert, w.tlsKey, err)
		}
	}
	ps, err := api.ParseTrustedProxies(w.trustedProxies)
	if err != nil {
		return usagef("-trusted-proxies: %v", err)
	}
	w.proxies = ps
	return nil
}

// serve serves hs on ln with the hall server's timeouts, through a guard
// that keeps connections below the file limit with room for devices and
// staff, over HTTPS when a certificate is given.
func (w *webFlags) serve(hs *http.Server, ln net.Listener, logger *slog.Logger) error {
	connlimit.Timeouts(hs)
	g := connlimit.FromFileLimit(logger)
	logger.Info("connections", "max", g.Max, "reserved_for_devices_and_staff", g.Reserve)
	g.Hook(hs)
	if w.tlsCert != "" {
		return hs.ServeTLS(g.Listener(ln), w.tlsCert, w.tlsKey)
	}
	return hs.Serve(g.Listener(ln))
}
