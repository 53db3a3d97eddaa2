package io.clusteragent.proxy.objects;

import java.io.ByteArrayOutputStream;

/**
 * An in-memory output for one object that refuses to grow past a bound, so a single answer the
 * agent must hold whole (a unary reply, one watch event) cannot take the heap.
 */
public final class BoundedBuffer extends ByteArrayOutputStream {

  private final int maxBytes;

  public BoundedBuffer(int maxBytes) {
    super(Math.min(maxBytes, 8192));
    this.maxBytes = maxBytes;
  }

  @Override
  public synchronized void write(int b) {
    ensureRoom(1);
    super.write(b);
  }

  @Override
  public synchronized void write(byte[] bytes, int offset, int length) {
    ensureRoom(length);
    super.write(bytes, offset, length);
  }

  public int maxBytes() {
    return maxBytes;
  }

  private void ensureRoom(int more) {
    if (count + (long) more > maxBytes) {
      throw new Full(maxBytes);
    }
  }

  /** The object is larger than the bound. */
  public static final class Full extends RuntimeException {
    Full(int maxBytes) {
      super("larger than " + maxBytes + " bytes", null, false, false);
    }
  }
}
