module chatcli-operator.local/hack/images/probe

go 1.24
