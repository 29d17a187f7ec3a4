module chatcli-operator.local/hack/images/pause

go 1.24
