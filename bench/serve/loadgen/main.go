// The load generator of bench/serve_bench.ts: HTTP/1.1 keep-alive POSTs of prepared JSON bodies
// over raw TCP connections, standard library only. Three modes:
//
//	open    requests at a fixed rate, each on its own goroutine, latency measured from the time
//	        the request was scheduled (not sent), so a stalled server cannot hide its stall
//	        (no coordinated omission)
//	closed  N connections, each sending its next request when the last answer arrived
//	batch   closed loop over batch bodies, reporting rows per second
//
// It prints one JSON object with the counts and latency percentiles in milliseconds.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type result struct {
	Mode        string  `json:"mode"`
	Sent        int64   `json:"sent"`
	OK          int64   `json:"ok"`
	Errors      int64   `json:"errors"`
	Seconds     float64 `json:"seconds"`
	PerSecond   float64 `json:"per_second"`
	RowsPerSec  float64 `json:"rows_per_second,omitempty"`
	P50         float64 `json:"p50_ms"`
	P99         float64 `json:"p99_ms"`
	P999        float64 `json:"p999_ms"`
	Max         float64 `json:"max_ms"`
	FirstStatus int     `json:"first_bad_status,omitempty"`
	FirstError  string  `json:"first_error,omitempty"`
}

type recorder struct {
	mu        sync.Mutex
	latencies []time.Duration
	ok        atomic.Int64
	errors    atomic.Int64
	badStatus atomic.Int64
	firstErr  atomic.Value
}

func (r *recorder) record(latency time.Duration, status int, err error) {
	if err != nil {
		r.errors.Add(1)
		r.firstErr.CompareAndSwap(nil, err.Error())
		return
	}
	if status != 200 {
		r.errors.Add(1)
		r.badStatus.CompareAndSwap(0, int64(status))
		return
	}
	r.ok.Add(1)
	r.mu.Lock()
	r.latencies = append(r.latencies, latency)
	r.mu.Unlock()
}

func (r *recorder) result(mode string, sent int64, elapsed time.Duration, rows int) result {
	sort.Slice(r.latencies, func(i, j int) bool { return r.latencies[i] < r.latencies[j] })
	pick := func(q float64) float64 {
		if len(r.latencies) == 0 {
			return 0
		}
		index := int(q * float64(len(r.latencies)-1))
		return float64(r.latencies[index].Microseconds()) / 1000
	}
	out := result{
		Mode: mode, Sent: sent, OK: r.ok.Load(), Errors: r.errors.Load(),
		Seconds: elapsed.Seconds(), PerSecond: float64(r.ok.Load()) / elapsed.Seconds(),
		P50: pick(0.5), P99: pick(0.99), P999: pick(0.999), Max: pick(1),
		FirstStatus: int(r.badStatus.Load()),
	}
	if first, ok := r.firstErr.Load().(string); ok {
		out.FirstError = first
	}
	if rows > 0 {
		out.RowsPerSec = out.PerSecond * float64(rows)
	}
	return out
}

func readBodies(path string) [][]byte {
	file, err := os.Open(path)
	if err != nil {
		fail(err)
	}
	defer file.Close()
	var bodies [][]byte
	scanner := bufio.NewScanner(file)
	scanner.Buffer(make([]byte, 1<<20), 64<<20)
	for scanner.Scan() {
		bodies = append(bodies, append([]byte(nil), scanner.Bytes()...))
	}
	if err := scanner.Err(); err != nil {
		fail(err)
	}
	if len(bodies) == 0 {
		fail(fmt.Errorf("no bodies in %s", path))
	}
	return bodies
}

// conn is one keep-alive HTTP/1.1 connection. Requests are written pre-serialized and answers
// parsed just enough (status, Content-Length or chunks): net/http's client costs several times
// more CPU per request, and on one core it, not the server, would set the pace.
type conn struct {
	net.Conn
	reader *bufio.Reader
}

func dial(address string) (*conn, error) {
	c, err := net.DialTimeout("tcp", address, 5*time.Second)
	if err != nil {
		return nil, err
	}
	c.(*net.TCPConn).SetNoDelay(true)
	return &conn{Conn: c, reader: bufio.NewReaderSize(c, 64<<10)}, nil
}

// request is a POST of one body, serialized once.
func request(host, path string, body []byte) []byte {
	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", path, host, len(body))
	return append([]byte(head), body...)
}

// roundTrip sends one request and reads its whole answer; it returns the status code.
func (c *conn) roundTrip(raw []byte) (int, error) {
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.Write(raw); err != nil {
		return 0, err
	}
	status, length, chunked := 0, -1, false
	for {
		line, err := c.reader.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		text := strings.TrimRight(string(line), "\r\n")
		if status == 0 {
			fields := strings.Fields(text)
			if len(fields) < 2 {
				return 0, fmt.Errorf("bad status line %q", text)
			}
			status, _ = strconv.Atoi(fields[1])
			continue
		}
		if text == "" {
			break
		}
		name, value, _ := strings.Cut(text, ":")
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "content-length":
			length, _ = strconv.Atoi(strings.TrimSpace(value))
		case "transfer-encoding":
			chunked = strings.Contains(strings.ToLower(value), "chunked")
		}
	}
	if chunked {
		for {
			line, err := c.reader.ReadString('\n')
			if err != nil {
				return 0, err
			}
			size, err := strconv.ParseInt(strings.TrimSpace(strings.Split(line, ";")[0]), 16, 64)
			if err != nil {
				return 0, err
			}
			if _, err := c.reader.Discard(int(size) + 2); err != nil {
				return 0, err
			}
			if size == 0 {
				return status, nil
			}
		}
	}
	if length < 0 {
		return 0, fmt.Errorf("answer without Content-Length")
	}
	_, err := c.reader.Discard(length)
	return status, err
}

// pool keeps idle connections for the open loop, dialing more when all are busy, up to a cap:
// past it a request waits for a connection, and that wait counts in its latency.
type pool struct {
	address string
	idle    chan *conn
	slots   chan struct{}
}

func newPool(address string, max int) *pool {
	return &pool{address: address, idle: make(chan *conn, max), slots: make(chan struct{}, max)}
}

func (p *pool) get() (*conn, error) {
	select {
	case c := <-p.idle:
		return c, nil
	default:
	}
	select {
	case c := <-p.idle:
		return c, nil
	case p.slots <- struct{}{}:
		c, err := dial(p.address)
		if err != nil {
			<-p.slots
		}
		return c, err
	}
}

func (p *pool) roundTrip(raw []byte) (int, error) {
	c, err := p.get()
	if err != nil {
		return 0, err
	}
	status, err := c.roundTrip(raw)
	if err != nil {
		c.Close()
		<-p.slots
		return 0, err
	}
	p.idle <- c
	return status, nil
}

func openLoop(target target, rate int, duration time.Duration) result {
	p := newPool(target.address, 1024)
	rec := &recorder{}
	interval := time.Second / time.Duration(rate)
	total := int64(duration / interval)
	start := time.Now()
	var wg sync.WaitGroup
	for i := int64(0); i < total; i++ {
		scheduled := start.Add(time.Duration(i) * interval)
		if wait := time.Until(scheduled); wait > 0 {
			time.Sleep(wait)
		}
		wg.Add(1)
		go func(raw []byte) {
			defer wg.Done()
			status, err := p.roundTrip(raw)
			rec.record(time.Since(scheduled), status, err)
		}(target.requests[i%int64(len(target.requests))])
	}
	wg.Wait()
	return rec.result("open", total, time.Since(start), 0)
}

func closedLoop(mode string, target target, connections int, duration time.Duration, rows int) result {
	rec := &recorder{}
	var sent atomic.Int64
	deadline := time.Now().Add(duration)
	start := time.Now()
	var wg sync.WaitGroup
	for worker := 0; worker < connections; worker++ {
		wg.Add(1)
		go func(worker int) {
			defer wg.Done()
			var c *conn
			for i := worker; time.Now().Before(deadline); i += connections {
				if c == nil {
					var err error
					if c, err = dial(target.address); err != nil {
						rec.record(0, 0, err)
						continue
					}
				}
				sent.Add(1)
				began := time.Now()
				status, err := c.roundTrip(target.requests[i%len(target.requests)])
				rec.record(time.Since(began), status, err)
				if err != nil {
					c.Close()
					c = nil
				}
			}
			if c != nil {
				c.Close()
			}
		}(worker)
	}
	wg.Wait()
	return rec.result(mode, sent.Load(), time.Since(start), rows)
}

// target is where requests go and the requests themselves, serialized.
type target struct {
	address  string
	requests [][]byte
}

func newTarget(rawURL string, bodies [][]byte) target {
	parsed, err := url.Parse(rawURL)
	if err != nil || parsed.Scheme != "http" {
		fail(fmt.Errorf("-url must be an http:// URL: %q", rawURL))
	}
	requests := make([][]byte, len(bodies))
	for i, body := range bodies {
		requests[i] = request(parsed.Host, parsed.RequestURI(), body)
	}
	return target{address: parsed.Host, requests: requests}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "loadgen:", err)
	os.Exit(1)
}

func main() {
	mode := flag.String("mode", "open", "open, closed or batch")
	rawURL := flag.String("url", "", "the endpoint to POST to")
	bodiesPath := flag.String("bodies", "", "a file of request bodies, one JSON document per line")
	rate := flag.Int("rate", 1000, "open loop: requests per second")
	connections := flag.Int("connections", 16, "closed and batch: concurrent connections")
	duration := flag.Duration("duration", 30*time.Second, "how long to send")
	rows := flag.Int("rows", 0, "batch: rows per body")
	flag.Parse()
	if *rawURL == "" || *bodiesPath == "" {
		fail(fmt.Errorf("-url and -bodies are required"))
	}
	t := newTarget(*rawURL, readBodies(*bodiesPath))
	var out result
	switch *mode {
	case "open":
		out = openLoop(t, *rate, *duration)
	case "closed", "batch":
		out = closedLoop(*mode, t, *connections, *duration, *rows)
	default:
		fail(fmt.Errorf("unknown mode %q", *mode))
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail(err)
	}
}
