package routingtest

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestThrowawayServerEndsWithTheTestBinary: where no Redis answers, the helper starts a
// redis-server for the test binary; it must not outlive that binary (they used to pile up).
func TestThrowawayServerEndsWithTheTestBinary(t *testing.T) {
	if os.Getenv("ROUTINGTEST_CHILD") == "1" {
		url := RedisURL(t)
		os.Stdout.WriteString("URL " + url + "\n")
		return
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("no redis-server installed")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestThrowawayServerEndsWithTheTestBinary$", "-test.count=1")
	cmd.Env = append(os.Environ(), "ROUTINGTEST_CHILD=1", "HOTLINE_TEST_REDIS_URL=redis://"+FreeAddr(t)+"/0")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child test binary: %v\n%s", err, out)
	}
	var url string
	for sc := bufio.NewScanner(strings.NewReader(string(out))); sc.Scan(); {
		if u, ok := strings.CutPrefix(sc.Text(), "URL "); ok {
			url = u
		}
	}
	if !strings.HasPrefix(url, "redis://") {
		t.Fatalf("the child started no redis-server:\n%s", out)
	}
	// The kernel delivers the kill as the child exits; the server needs a moment to go.
	Eventually(t, 10*time.Second, "the redis-server at "+url+" to stop with its test binary", func() bool { return ping(url) != nil })
}
