// pulumi-language-nodejs for bootshift.
//
// The upstream Node.js language host is its own Go module (github.com/pulumi/pulumi/sdk/nodejs/cmd/
// pulumi-language-nodejs/v3) and the Go module proxy reachable from these machines answers 403 for it, so it cannot
// be built here. This small host implements the same LanguageRuntime gRPC service against the pinned sdk/v3 protocol
// types: it runs the program with @pulumi/pulumi's own `cmd/run` entry point, exactly as the upstream host does, so
// the engine, the Node.js SDK and dynamic providers are all the real ones.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// version is stamped at build time with the Pulumi release this host speaks for.
var version = "dev"

func main() {
	// Flags the engine may pass to any plugin; accepted so that verbose runs (`pulumi up -v=9`) still start.
	tracing := flag.String("tracing", "", "Zipkin-compatible tracing endpoint (passed on to the program)")
	flag.Bool("logtostderr", false, "log to stderr (accepted for engine compatibility)")
	flag.Int("v", 0, "log verbosity (accepted for engine compatibility)")
	flag.Bool("typescript", true, "deprecated: the program's runtime options decide")
	flag.String("root", "", "deprecated: the engine's ProgramInfo decides")
	flag.Parse()

	host := &languageHost{engineAddress: flag.Arg(0), tracing: *tracing}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: cannot listen: %v\n", err)
		os.Exit(1)
	}
	server := grpc.NewServer(grpc.MaxRecvMsgSize(400 * 1024 * 1024))
	pulumirpc.RegisterLanguageRuntimeServer(server, host)

	// The engine reads the port from our first line of output.
	fmt.Printf("%d\n", listener.Addr().(*net.TCPAddr).Port)
	if err := server.Serve(listener); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: stopped serving: %v\n", err)
		os.Exit(1)
	}
}
