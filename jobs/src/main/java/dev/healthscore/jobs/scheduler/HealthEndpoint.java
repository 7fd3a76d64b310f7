package dev.healthscore.jobs.scheduler;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The scheduler container's health check: {@code GET /health} answers 200 with
 * {@code {"status":"UP",…}} while the scheduler runs and its database answers, 503
 * otherwise. A JDK HTTP server: the batch application has no web stack.
 */
final class HealthEndpoint implements AutoCloseable {

	private final HttpServer server;

	private HealthEndpoint(HttpServer server) {
		this.server = server;
	}

	/**
	 * Starts serving on {@code port} (0: any free port); {@code check} gives the status.
	 */
	static HealthEndpoint start(int port, Supplier<Health> check) throws IOException {
		HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
		server.createContext("/health", (exchange) -> respond(exchange, check.get()));
		server.start();
		return new HealthEndpoint(server);
	}

	int port() {
		return this.server.getAddress().getPort();
	}

	private static void respond(HttpExchange exchange, Health health) throws IOException {
		byte[] body = health.json().getBytes(StandardCharsets.UTF_8);
		exchange.getResponseHeaders().add("Content-Type", "application/json");
		exchange.sendResponseHeaders(health.up() ? 200 : 503, body.length);
		try (OutputStream out = exchange.getResponseBody()) {
			out.write(body);
		}
	}

	@Override
	public void close() {
		this.server.stop(0);
	}

	/**
	 * A health status.
	 *
	 * @param up whether the scheduler is healthy
	 * @param detail what was checked, as JSON members
	 */
	record Health(boolean up, String detail) {

		String json() {
			return "{\"status\":\"%s\",%s}".formatted(this.up ? "UP" : "DOWN", this.detail);
		}

	}

}
