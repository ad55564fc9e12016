package emulator_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/orgpick/orgpick/emulator"
)

const (
	emulatorDevClientID     = emulator.DevOIDCClientID
	emulatorDevClientSecret = emulator.DevOIDCClientSecret
)

// testKeyPair is an RSA key with a self-signed certificate (an independent IdP's).
func testKeyPair(t *testing.T) (*rsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	mustOK(t, err)
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: "independent idp"},
		NotBefore: now.Add(-24 * time.Hour), NotAfter: now.AddDate(1, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	mustOK(t, err)
	cert, err := x509.ParseCertificate(der)
	mustOK(t, err)
	return priv, cert
}

func certPEM(c *x509.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
}

// testCertPEM is a fresh self-signed certificate, PEM.
func testCertPEM(t *testing.T) string {
	t.Helper()
	_, c := testKeyPair(t)
	return certPEM(c)
}
