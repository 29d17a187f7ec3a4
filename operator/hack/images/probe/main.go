// probe: one small static program for node tests, so test pods need no shell
// or busybox (whose network tools are unreliable on these machines).
//
//	probe serve <port>        HTTP 200 on every path, body: the pod's hostname
//	probe get <url> [--token-file F] [--ca-file F] [--timeout S]
//	                          prints "HTTP <status>" then the body; exit 0 on 2xx,
//	                          1 on any other status, 2 when no response came
//	probe write <path>        creates the file; prints "ok" (exit 0) or "error: ..." (exit 1)
//	probe sleep <secs|inf>    sleeps
//	probe echo <text>...      prints the text
//	probe id                  prints uid=, gid= and groups=
//
// Every command exits 0 on SIGTERM or SIGINT: as PID 1 a process only receives
// the signals it handles, and a pod should stop at once, not after its grace period.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const usage = "usage: probe serve <port> | get <url> [--token-file F] [--ca-file F] [--timeout S] | write <path> | sleep <secs|inf> | echo <text>... | id"

func main() {
	exitOnTerm()
	if len(os.Args) < 2 {
		fail(64, usage)
	}
	args := os.Args[2:]
	switch os.Args[1] {
	case "serve":
		serve(args)
	case "get":
		os.Exit(get(args))
	case "write":
		os.Exit(write(args))
	case "sleep":
		sleep(args)
	case "echo":
		fmt.Println(strings.Join(args, " "))
	case "id":
		fmt.Println(identity())
	default:
		fail(64, usage)
	}
}

func exitOnTerm() {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-signals
		os.Exit(0)
	}()
}

func fail(code int, msg string) {
	fmt.Fprintln(os.Stderr, msg)
	os.Exit(code)
}

func serve(args []string) {
	if len(args) != 1 {
		fail(64, "usage: probe serve <port>")
	}
	host, _ := os.Hostname()
	http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, host)
	})
	fmt.Printf("serving on :%s as %s\n", args[0], host)
	fail(1, http.ListenAndServe(":"+args[0], nil).Error())
}

func get(args []string) int {
	var url, tokenFile, caFile string
	timeout := 5 * time.Second
	for i := 0; i < len(args); i++ {
		flag, value := args[i], ""
		if strings.HasPrefix(flag, "--") && i+1 < len(args) {
			value = args[i+1]
		}
		switch flag {
		case "--token-file":
			tokenFile = value
			i++
		case "--ca-file":
			caFile = value
			i++
		case "--timeout":
			secs, err := strconv.ParseFloat(value, 64)
			if err != nil {
				fail(64, "probe get: --timeout wants seconds")
			}
			timeout = time.Duration(secs * float64(time.Second))
			i++
		default:
			if url != "" || strings.HasPrefix(flag, "--") {
				fail(64, "usage: probe get <url> [--token-file F] [--ca-file F] [--timeout S]")
			}
			url = flag
		}
	}
	if url == "" {
		fail(64, "usage: probe get <url> [--token-file F] [--ca-file F] [--timeout S]")
	}
	client := &http.Client{Timeout: timeout}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			fail(64, "probe get: "+err.Error())
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			fail(64, "probe get: no certificate in "+caFile)
		}
		client.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	}
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		fail(64, "probe get: "+err.Error())
	}
	if tokenFile != "" {
		token, err := os.ReadFile(tokenFile)
		if err != nil {
			fail(64, "probe get: "+err.Error())
		}
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
	}
	resp, err := client.Do(req)
	if err != nil {
		fmt.Println("error:", err)
		return 2
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Printf("HTTP %d\n%s", resp.StatusCode, body)
	if len(body) > 0 && body[len(body)-1] != '\n' {
		fmt.Println()
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return 0
	}
	return 1
}

func write(args []string) int {
	if len(args) != 1 {
		fail(64, "usage: probe write <path>")
	}
	err := os.WriteFile(args[0], []byte("written by probe\n"), 0o644)
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	fmt.Println("ok")
	return 0
}

func sleep(args []string) {
	if len(args) != 1 {
		fail(64, "usage: probe sleep <secs|inf>")
	}
	if args[0] == "inf" || args[0] == "infinity" {
		select {}
	}
	secs, err := strconv.ParseFloat(args[0], 64)
	if err != nil {
		fail(64, "probe sleep: "+err.Error())
	}
	time.Sleep(time.Duration(secs * float64(time.Second)))
}

func identity() string {
	groups, _ := os.Getgroups()
	names := make([]string, len(groups))
	for i, g := range groups {
		names[i] = strconv.Itoa(g)
	}
	return fmt.Sprintf("uid=%d gid=%d groups=%s", os.Getuid(), os.Getgid(), strings.Join(names, ","))
}
