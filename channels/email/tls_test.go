package email_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/openhotline/hotline/channels/email"
)

// selfSigned writes a certificate for host and its key as PEM files, returning their paths and
// a pool that trusts the certificate.
func selfSigned(t *testing.T, host string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: host}, DNSNames: []string{host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestStartTLS(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t, "hotline.test")
	e := newEngine(t)
	r := startReceiver(t, e, email.Config{TLSCert: certFile, TLSKey: keyFile})
	// DialStartTLS says EHLO, checks that STARTTLS is offered and fails unless the handshake
	// succeeds against the pool that trusts only the test certificate.
	c, err := smtp.DialStartTLS(r.Addr().String(), &tls.Config{ServerName: "hotline.test", RootCAs: pool})
	if err != nil {
		t.Fatalf("STARTTLS: %v", err)
	}
	defer c.Close()
	raw := strings.ReplaceAll(firstMail(msgID(1), "Help", "sent over TLS"), "\n", "\r\n")
	if err := c.SendMail("ana@sender.example", []string{hotlineAddr}, strings.NewReader(raw)); err != nil {
		t.Fatalf("send over TLS: %v", err)
	}
	if st, ok := c.TLSConnectionState(); !ok || !st.HandshakeComplete || st.Version < tls.VersionTLS12 {
		t.Fatalf("got handshake complete %v version %x (%v), want TLS 1.2 or later", st.HandshakeComplete, st.Version, ok)
	}
	if got := history(t, e, lastConv(t, e).ID)[0].Body; !strings.Contains(got, "sent over TLS") {
		t.Errorf("got body %q, want the message sent over TLS", got)
	}
}

func TestStartTLSNotOfferedWithoutCertificate(t *testing.T) {
	r := startReceiver(t, newEngine(t), email.Config{})
	c, err := smtp.Dial(r.Addr().String())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	if err := c.Hello("sender.example"); err != nil {
		t.Fatalf("EHLO: %v", err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Error("STARTTLS offered with no certificate configured")
	}
}

func TestBadCertificateFailsAtStart(t *testing.T) {
	certFile, _, _ := selfSigned(t, "hotline.test")
	e := newEngine(t)
	_, err := email.NewReceiver(email.Config{Addr: "127.0.0.1:0", TLSCert: certFile, TLSKey: certFile}, e, e.Space("email"))
	if err == nil || !strings.Contains(err.Error(), "HOTLINE_SMTP_TLS_CERT") {
		t.Fatalf("got %v, want an error naming HOTLINE_SMTP_TLS_CERT", err)
	}
}
