package dev.healthscore.io.embedded;

import java.nio.file.Path;
import java.util.Map;

/**
 * Another JVM asking for the template under the directory given as its argument, at the
 * same time as the test's: prints how many templates it made.
 */
public final class TemplateMaker {

	private TemplateMaker() {
	}

	public static void main(String[] args) throws Exception {
		PostgresTemplate template = new PostgresTemplate(Path.of(args[0]));
		template.template(Map.of());
		System.out.println("initialisations=" + template.initialisations());
	}

}
