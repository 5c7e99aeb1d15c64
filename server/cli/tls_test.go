package cli_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns
// their paths and a pool that trusts the certificate.
func selfSigned(t *testing.T) (cert, key string, pool *x509.CertPool) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "hallq test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kd, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cert, key = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kd}), 0o600)
	c, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(c)
	return cert, key, pool
}

// sessionCookie signs in and returns the Set-Cookie of the session.
func sessionCookie(t *testing.T, client *http.Client, url string, header http.Header) string {
	t.Helper()
	req, _ := http.NewRequest("POST", url+"/api/v1/login", strings.NewReader(`{"username":"lan","password":"mat-khau-2026"}`))
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	for _, c := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "hallq_session=") {
			return c
		}
	}
	t.Fatalf("login set no session cookie: %v", resp.Header)
	return ""
}

func secure(cookie string) bool {
	for _, attr := range strings.Split(cookie, ";") {
		if strings.EqualFold(strings.TrimSpace(attr), "Secure") {
			return true
		}
	}
	return false
}

// TestHTTPSAndSecureCookies: with -tls-cert and -tls-key the server speaks
// HTTPS and its session cookie is Secure; behind a proxy named in
// -trusted-proxies, X-Forwarded-Proto: https makes it Secure, and from
// anyone else the same header does not.
func TestHTTPSAndSecureCookies(t *testing.T) {
	cert, key, pool := selfSigned(t)
	h := serveWith(t, "https", "-tls-cert", cert, "-tls-key", key)
	if r := run(t, "mat-khau-2026\n", "user", "add", "-db", h.db, "-username", "lan", "-role", "officer"); r.code != 0 {
		t.Fatalf("user add: %v", r)
	}
	tlsClient := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	if c := sessionCookie(t, tlsClient, h.url, nil); !secure(c) {
		t.Errorf("over the server's own HTTPS the session cookie is not Secure: %s", c)
	}
	if resp, err := http.Get("http" + strings.TrimPrefix(h.url, "https") + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Errorf("the HTTPS server answered plain HTTP")
		}
	}

	proxied := serveWith(t, "http", "-trusted-proxies", "127.0.0.1")
	run(t, "mat-khau-2026\n", "user", "add", "-db", proxied.db, "-username", "lan", "-role", "officer")
	https := http.Header{"X-Forwarded-Proto": {"https"}}
	if c := sessionCookie(t, http.DefaultClient, proxied.url, https); !secure(c) {
		t.Errorf("through a trusted proxy saying https the cookie is not Secure: %s", c)
	}
	if c := sessionCookie(t, http.DefaultClient, proxied.url, nil); secure(c) {
		t.Errorf("plain HTTP through the proxy gives a Secure cookie: %s", c)
	}
	untrusted := serveWith(t, "http", "-trusted-proxies", "10.9.9.9")
	run(t, "mat-khau-2026\n", "user", "add", "-db", untrusted.db, "-username", "lan", "-role", "officer")
	if c := sessionCookie(t, http.DefaultClient, untrusted.url, https); secure(c) {
		t.Errorf("X-Forwarded-Proto from an untrusted address was believed: %s", c)
	}

	if r := run(t, "", "-tls-cert", cert); r.code == 0 || !strings.Contains(r.stderr, "-tls-key") {
		t.Errorf("-tls-cert without -tls-key: %v", r)
	}
	if r := run(t, "", "-trusted-proxies", "10.0.0.0/33"); r.code == 0 || !strings.Contains(r.stderr, "10.0.0.0/33") {
		t.Errorf("a bad -trusted-proxies: %v", r)
	}
}
