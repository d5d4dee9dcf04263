package io.snipool.core.route;

/**
 * Weighted rendezvous (highest random weight) hashing: every backend scores a key, the highest score wins. A backend
 * that leaves takes only the keys it won, which go to their second choices; the others stay where they were. The
 * score {@code weight / -ln(u)}, {@code u} a uniform draw from the key and the backend, makes a backend win a share
 * of keys proportional to its weight (Schindelhauer and Schomaker, "Weighted distributed hash tables", 2005).
 */
final class Rendezvous {

    private Rendezvous() {
    }

    /** A well-mixed 64-bit hash of {@code text}: FNV-1a over its chars, then MurmurHash3's finalizer. */
    static long hash(String text) {
        long hash = 0xcbf29ce484222325L;
        for (int i = 0; i < text.length(); i++) {
            hash ^= text.charAt(i);
            hash *= 0x100000001b3L;
        }
        return mix(hash);
    }

    /**
     * The score of the backend whose {@link #hash} is {@code backendHash}, with {@code weight}, for the key whose
     * hash is {@code keyHash}; higher wins.
     */
    static double score(long keyHash, long backendHash, long weight) {
        long draw = mix(keyHash ^ backendHash);
        double uniform = ((draw >>> 11) + 0.5) * 0x1.0p-53; // in (0, 1): -ln is positive and finite
        return weight / -Math.log(uniform);
    }

    /** MurmurHash3's 64-bit finalizer: every input bit affects every output bit. */
    private static long mix(long value) {
        long h = value;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
