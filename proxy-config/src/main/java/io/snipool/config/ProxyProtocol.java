package io.snipool.config;

/** The PROXY protocol header sent to a backend before any client byte. */
public enum ProxyProtocol { NONE, V1, V2 }
