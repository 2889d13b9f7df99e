"""Network families (linear, mlp, cnn, rnn) behind one registry, and classical baselines."""
