package dev.healthscore.io.s3;

import java.net.SocketTimeoutException;
import java.time.Duration;

import dev.healthscore.io.Causes;
import org.apache.hc.client5.http.ConnectTimeoutException;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * How long an S3 client waits before it gives up on a request, so that an endpoint that
 * accepts connections but never answers fails a call in bounded time instead of holding
 * it (the SDK bounds only each read of the socket by default, and an upload whose body
 * the endpoint does not read not at all).
 *
 * @param connect how long a new connection may take to open
 * @param read how long the socket may stay silent while an answer is awaited or read
 * @param apiCallAttempt how long one attempt of a call may take, sending its body
 * included (a multipart part: large enough for a part on the slowest link)
 * @param apiCall how long a call may take, every attempt and the pauses between them
 * included; not the reading of a streamed object's body after the call returned it, which
 * {@code read} bounds
 * @param maxAttempts attempts of a call that fails for a reason worth retrying (the first
 * included), or null for the SDK's default ({@code AWS_MAX_ATTEMPTS}, else that of its
 * retry mode)
 */
public record S3Timeouts(Duration connect, Duration read, Duration apiCallAttempt, Duration apiCall,
		Integer maxAttempts) {

	/**
	 * Checks that every timeout is set and positive, and {@code maxAttempts}, if set, at
	 * least 1.
	 */
	public S3Timeouts {
		requirePositive(connect, "connect");
		requirePositive(read, "read");
		requirePositive(apiCallAttempt, "apiCallAttempt");
		requirePositive(apiCall, "apiCall");
		if (maxAttempts != null && maxAttempts < 1) {
			throw new IllegalArgumentException("maxAttempts must be at least 1: " + maxAttempts);
		}
	}

	private static void requirePositive(Duration timeout, String name) {
		if (timeout == null || timeout.isZero() || timeout.isNegative()) {
			throw new IllegalArgumentException(name + " must be positive: " + timeout);
		}
	}

	/**
	 * Applies these timeouts to a client builder: the connection and socket timeouts to
	 * its HTTP client (the SDK's Apache HttpClient 5 client, the synchronous one on the
	 * class path), the others to its override configuration, keeping what that holds
	 * already.
	 * @param builder the builder
	 * @return the builder
	 */
	public S3ClientBuilder applyTo(S3ClientBuilder builder) {
		builder.httpClientBuilder(Apache5HttpClient.builder().connectionTimeout(this.connect).socketTimeout(this.read));
		// added to the override configuration set so far, which a Consumer would replace
		ClientOverrideConfiguration.Builder configuration = builder.overrideConfiguration()
			.toBuilder()
			.apiCallAttemptTimeout(this.apiCallAttempt)
			.apiCallTimeout(this.apiCall);
		if (this.maxAttempts != null) {
			configuration.retryStrategy((strategy) -> strategy.maxAttempts(this.maxAttempts));
		}
		return builder.overrideConfiguration(configuration.build());
	}

	/**
	 * Which of the timeouts ended a failed call, if one did: the call's, an attempt's
	 * (after the last attempt), or the socket's while connecting or reading.
	 * @param failure the call's failure
	 * @return the timeout, or null when the call failed for another reason
	 */
	public static Timeout which(Throwable failure) {
		if (Causes.anyMatch(failure, ApiCallTimeoutException.class::isInstance)) {
			return Timeout.API_CALL;
		}
		if (Causes.anyMatch(failure, ApiCallAttemptTimeoutException.class::isInstance)) {
			return Timeout.API_CALL_ATTEMPT;
		}
		if (Causes.anyMatch(failure, ConnectTimeoutException.class::isInstance)) {
			return Timeout.CONNECT;
		}
		if (Causes.anyMatch(failure, SocketTimeoutException.class::isInstance)) {
			return Timeout.READ;
		}
		return null;
	}

	/** One of the timeouts. */
	public enum Timeout {

		/** {@link S3Timeouts#connect()}. */
		CONNECT,

		/** {@link S3Timeouts#read()}. */
		READ,

		/** {@link S3Timeouts#apiCallAttempt()}. */
		API_CALL_ATTEMPT,

		/** {@link S3Timeouts#apiCall()}. */
		API_CALL

	}

}
