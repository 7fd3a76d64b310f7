package dev.healthscore.jobs.archive;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * An endpoint that accepts connections and never answers, as a hung S3-compatible server
 * or a proxy in front of a dead one does. It either reads (and drops) what the client
 * sends, so that it sees when the client gives up and closes the connection, or reads
 * nothing, so that an upload's body fills the socket's buffers and its writes block.
 */
final class HungS3Endpoint implements AutoCloseable {

	private final ServerSocket server;

	private final boolean reads;

	private final List<Socket> accepted = new ArrayList<>();

	private final Thread acceptor;

	private volatile long firstAccepted;

	private volatile long lastClosed;

	private HungS3Endpoint(boolean reads) throws IOException {
		this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		this.reads = reads;
		this.acceptor = new Thread(this::accept, "hung-s3-endpoint");
		this.acceptor.setDaemon(true);
		this.acceptor.start();
	}

	/** An endpoint that reads the requests and never answers them. */
	static HungS3Endpoint readingRequests() throws IOException {
		return new HungS3Endpoint(true);
	}

	/** An endpoint that reads nothing of the requests and never answers them. */
	static HungS3Endpoint readingNothing() throws IOException {
		return new HungS3Endpoint(false);
	}

	URI endpoint() {
		return URI.create("http://127.0.0.1:" + this.server.getLocalPort());
	}

	/** How many connections it accepted. */
	synchronized int connections() {
		return this.accepted.size();
	}

	/**
	 * From the first connection accepted to the last closed by the client: how long the
	 * client waited for the endpoint (for one that reads the requests).
	 */
	Duration waited() {
		return Duration.ofNanos(this.lastClosed - this.firstAccepted);
	}

	private void accept() {
		while (!this.server.isClosed()) {
			Socket socket;
			try {
				socket = this.server.accept();
			}
			catch (IOException ex) {
				return; // closed
			}
			synchronized (this) {
				if (this.accepted.isEmpty()) {
					this.firstAccepted = System.nanoTime();
				}
				this.accepted.add(socket);
			}
			if (this.reads) {
				Thread reader = new Thread(() -> drain(socket), "hung-s3-endpoint-reader");
				reader.setDaemon(true);
				reader.start();
			}
		}
	}

	private void drain(Socket socket) {
		byte[] buffer = new byte[8192];
		try (InputStream in = socket.getInputStream()) {
			while (in.read(buffer) >= 0) {
				// dropped: no answer ever comes
			}
		}
		catch (IOException ex) {
			// reset by the client: closed as well
		}
		this.lastClosed = System.nanoTime();
	}

	@Override
	public void close() throws IOException {
		this.server.close();
		synchronized (this) {
			for (Socket socket : this.accepted) {
				socket.close();
			}
		}
	}

}
