module mnist-backprop

go 1.25
