package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/backrules/backrules/examples/server/web"
	"github.com/google/go-cmp/cmp"
)

// expectMode is how a raw client sends a body with Expect: 100-continue.
type expectMode string

const (
	// waitFor100 sends the headers with Content-Length and waits for 100
	// Continue; then it sends the whole body, and only then reads the
	// answer, as a simple client does.
	waitFor100 expectMode = "wait for 100"
	// eager sends the headers and the body at once, as a client that does
	// not wait (or stops waiting) does.
	eager expectMode = "eager"
	// chunked sends the body chunked, with no Content-Length, after 100
	// Continue, until the server answers.
	chunked expectMode = "chunked"
	// goClient is Go's own http.Client, with Expect: 100-continue.
	goClient expectMode = "Go client"
)

// clientPost sends one POST with Expect: 100-continue with Go's
// http.Client, on a new connection, and returns the status.
func clientPost(base, path, contentType string, size int) (int, error) {
	tr := &http.Transport{ExpectContinueTimeout: 5 * time.Second}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequest("POST", base+path, bytes.NewReader(bytes.Repeat([]byte("x"), size)))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Expect", "100-continue")
	req.Header.Set("Content-Type", contentType)
	resp, err := (&http.Client{Transport: tr, Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, err
}

// rawPost sends one POST with Expect: 100-continue over a new connection
// to addr, with a body of size bytes sent as mode says, and returns the
// final status. A connection reset, or any other failure to read the
// answer, is an error.
func rawPost(addr, path, contentType string, size int, mode expectMode) (int, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	var head strings.Builder
	fmt.Fprintf(&head, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nExpect: 100-continue\r\n", path, addr, contentType)
	if mode == chunked {
		head.WriteString("Transfer-Encoding: chunked\r\n\r\n")
	} else {
		fmt.Fprintf(&head, "Content-Length: %d\r\n\r\n", size)
	}
	body := bytes.Repeat([]byte("x"), size)
	if _, err := io.WriteString(conn, head.String()); err != nil {
		return 0, err
	}
	// The body is written on its own goroutine: the server may stop
	// reading it, and the answer must be read meanwhile. Its errors are
	// expected once the server has answered.
	sendBody := func() {
		go func() {
			if mode != chunked {
				_, _ = conn.Write(body)
				return
			}
			for off := 0; off < len(body); off += 16 << 10 {
				chunk := body[off:min(off+16<<10, len(body))]
				if _, err := fmt.Fprintf(conn, "%x\r\n%s\r\n", len(chunk), chunk); err != nil {
					return
				}
			}
			_, _ = io.WriteString(conn, "0\r\n\r\n")
		}()
	}
	if mode == eager {
		sendBody()
	}
	br := bufio.NewReader(conn)
	req := &http.Request{Method: "POST"}
	for {
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			return 0, err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusContinue {
			switch mode {
			case waitFor100:
				// Such a client stops at a write error, as Go's own
				// does: once it was told to go on, its body must go
				// through, or be answered gracefully.
				if _, err := conn.Write(body); err != nil {
					return 0, fmt.Errorf("after 100 Continue: %w", err)
				}
			case chunked:
				sendBody()
			}
			continue
		}
		return resp.StatusCode, err
	}
}

// TestTooLargeExpectContinue checks that a body over the limit gets a
// 413 every time, also from a client that sends Expect: 100-continue and
// then waits for 100 Continue, sends its body at once, or sends it
// chunked, and from Go's own client, on each route that reads a body.
// Before the server answered from Content-Length and told net/http of the
// limit, about half of Go's clients, and every client that waits for 100
// Continue and then sends its body before reading, got a connection reset
// instead.
func TestTooLargeExpectContinue(t *testing.T) {
	s, _ := newServer(t, Config{})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	repeat := 20
	if testing.Short() {
		repeat = 4
	}
	routes := []struct {
		path, contentType string
		limit             int
	}{
		{"/recommend", "application/json", maxRecommendBody},
		{"/explain", "application/json", maxExplainBody},
		{"/cds-services/backrules", "application/json", maxBody},
		{"/", "application/x-www-form-urlencoded", web.MaxFormBytes},
	}
	for _, rt := range routes {
		for _, mode := range []expectMode{waitFor100, eager, chunked, goClient} {
			t.Run(rt.path+" "+string(mode), func(t *testing.T) {
				// Larger than the sockets' buffers, so that a client
				// still sending when the server closes is reset.
				const size = 16 << 20
				var failures []string
				for i := range repeat {
					var status int
					var err error
					if mode == goClient {
						status, err = clientPost(srv.URL, rt.path, rt.contentType, size)
					} else {
						status, err = rawPost(addr, rt.path, rt.contentType, size, mode)
					}
					if err != nil || status != http.StatusRequestEntityTooLarge {
						failures = append(failures, fmt.Sprintf("attempt %d: status %d, error %v", i+1, status, err))
					}
				}
				if len(failures) > 0 {
					t.Errorf("%d of %d attempts did not get a 413:\n%s", len(failures), repeat, strings.Join(failures, "\n"))
				}
			})
		}
	}
}

// TestJSONRoutesNeedJSON checks that the JSON routes answer 415 to a body
// that is not sent as application/json, in the server's JSON error, and
// take application/json with a UTF-8 charset.
func TestJSONRoutesNeedJSON(t *testing.T) {
	s, _ := newServer(t, Config{})
	bodies := map[string]string{
		"/recommend":              `{"conditions":["sciatica"]}`,
		"/explain":                `{"profile":{},"movement":"walking"}`,
		"/cds-services/backrules": cdsRequest(t, "disc-herniation"),
	}
	tests := []struct {
		contentType string
		want        int
	}{
		{"application/json", 200},
		{"application/json; charset=utf-8", 200},
		// Charset names are case-insensitive (RFC 9110, 8.3.2).
		{"application/json; charset=Utf-8", 200},
		{"application/json; charset=UTF8", 200},
		{"", 415},
		{"text/plain", 415},
		{"application/x-www-form-urlencoded", 415},
		{"application/json; charset=latin1", 415},
		{"application/jsonx", 415},
		{"a/b; ;", 415},
	}
	for path, body := range bodies {
		for _, tt := range tests {
			t.Run(path+" "+tt.contentType, func(t *testing.T) {
				req := httptest.NewRequest("POST", path, strings.NewReader(body))
				if tt.contentType != "" {
					req.Header.Set("Content-Type", tt.contentType)
				}
				rec := httptest.NewRecorder()
				s.Handler().ServeHTTP(rec, req)
				if rec.Code != tt.want {
					t.Fatalf("status %d, want %d: %s", rec.Code, tt.want, cut(rec.Body.String()))
				}
				if tt.want == 415 {
					checkDoc(t, "POST", path, rec)
					want := errorShape{Status: 415, Error: "the request body must be sent as Content-Type: application/json"}
					if path == "/recommend" { // sciatica, which can change a referral, is counted
						want.Problems = []problemAt{{Field: "conditions", Value: `"sciatica"`}}
					}
					if diff := cmp.Diff(want, decodeError(t, rec.Body.Bytes())); diff != "" {
						t.Errorf("error (-want +got):\n%s", diff)
					}
				}
			})
		}
	}
}

// TestPageCrossOrigin checks that the page refuses a cross-site POST with
// 403, as browsers tell it by Sec-Fetch-Site or Origin, and takes a
// same-origin one and one from a client that is not a browser.
func TestPageCrossOrigin(t *testing.T) {
	s, _ := newServer(t, Config{})
	form := url.Values{"red_flags": {"saddle_numbness"}}.Encode()
	tests := []struct {
		name    string
		method  string
		headers map[string]string
		want    int
	}{
		{"cross-site by Sec-Fetch-Site", "POST", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"same-site, another origin", "POST", map[string]string{"Sec-Fetch-Site": "same-site"}, 403},
		{"cross-site by Origin", "POST", map[string]string{"Origin": "https://evil.example"}, 403},
		{"same-origin", "POST", map[string]string{"Sec-Fetch-Site": "same-origin"}, 200},
		{"same Origin as Host", "POST", map[string]string{"Origin": "http://example.com"}, 200},
		{"typed by the user", "POST", map[string]string{"Sec-Fetch-Site": "none"}, 200},
		{"not a browser", "POST", nil, 200},
		{"cross-site GET is fine", "GET", map[string]string{"Sec-Fetch-Site": "cross-site"}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader
			if tt.method == "POST" {
				body = strings.NewReader(form)
			}
			req := httptest.NewRequest(tt.method, "http://example.com/", body)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.want, cut(rec.Body.String()))
			}
			if tt.want == 200 && tt.method == "POST" && !strings.Contains(rec.Body.String(), `class="referral emergency"`) {
				t.Error("the page does not show the emergency")
			}
		})
	}
}

// TestJSONRoutesRefuseCompressedBodies checks that /recommend and
// /explain answer 415 naming the Content-Encoding of a body sent
// compressed, which they do not read, rather than a 400 that says the
// body is not a JSON object, and still take identity.
func TestJSONRoutesRefuseCompressedBodies(t *testing.T) {
	s, _ := newServer(t, Config{})
	bodies := map[string]string{
		"/recommend": `{"conditions":["sciatica"]}`,
		"/explain":   `{"profile":{},"movement":"walking"}`,
	}
	tests := []struct {
		encoding []string
		want     int
		error    string
	}{
		{nil, 200, ""},
		{[]string{"identity"}, 200, ""},
		{[]string{"gzip"}, 415, `the request body must be sent uncompressed: Content-Encoding "gzip" is not accepted`},
		{[]string{"identity, br"}, 415, `the request body must be sent uncompressed: Content-Encoding "br" is not accepted`},
		{[]string{"Identity", "deflate"}, 415, `the request body must be sent uncompressed: Content-Encoding "deflate" is not accepted`},
	}
	for path, body := range bodies {
		for _, tt := range tests {
			t.Run(path+" "+strings.Join(tt.encoding, "+"), func(t *testing.T) {
				req := httptest.NewRequest("POST", path, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				for _, e := range tt.encoding {
					req.Header.Add("Content-Encoding", e)
				}
				rec := httptest.NewRecorder()
				s.Handler().ServeHTTP(rec, req)
				if rec.Code != tt.want {
					t.Fatalf("status %d, want %d: %s", rec.Code, tt.want, cut(rec.Body.String()))
				}
				if tt.want == 415 {
					checkDoc(t, "POST", path, rec)
					want := errorShape{Status: 415, Error: tt.error}
					if diff := cmp.Diff(want, decodeError(t, rec.Body.Bytes())); diff != "" {
						t.Errorf("error (-want +got):\n%s", diff)
					}
					if got := rec.Header().Get("Accept-Encoding"); got != "identity" {
						t.Errorf("Accept-Encoding = %q, want identity", got)
					}
				}
			})
		}
	}
}
