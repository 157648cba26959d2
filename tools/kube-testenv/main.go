// kube-testenv is one binary that is, by its first argument, kube-apiserver,
// kube-controller-manager, etcd or kubectl. Mesh Hub's tests and demo use it to run real
// Kubernetes control planes on loopback without Docker.
package main

import (
	"fmt"
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
	"k8s.io/component-base/cli"
	kubectl "k8s.io/kubectl/pkg/cmd"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: kube-testenv kube-apiserver|kube-controller-manager|etcd|kubectl [flags]")
		os.Exit(2)
	}
	name, rest := os.Args[1], os.Args[2:]
	// Each command parses os.Args[1:], so present it as if it had been called by its own name.
	os.Args = append([]string{name}, rest...)
	switch name {
	case "kube-apiserver":
		os.Exit(cli.Run(apiserver.NewAPIServerCommand()))
	case "kube-controller-manager":
		os.Exit(cli.Run(controllermanager.NewControllerManagerCommand()))
	case "etcd":
		etcdmain.Main(os.Args)
	case "kubectl":
		os.Exit(cli.Run(kubectl.NewDefaultKubectlCommand()))
	default:
		fmt.Fprintf(os.Stderr, "kube-testenv: unknown command %q\n", name)
		os.Exit(2)
	}
}
