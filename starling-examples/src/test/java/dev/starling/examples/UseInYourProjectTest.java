package dev.starling.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * docs/use-in-your-project.md as a newcomer uses it: the page's files are the project the build compiles and
 * tests (src/it/your-project, run by the Maven Invoker plugin in {@code mvn verify}), its BOM pins what the build
 * is tested with, and an app without a logging backend says so.
 */
class UseInYourProjectTest {

    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    private static final Path PROJECT = ROOT.resolve("starling-examples/src/it/your-project");
    private static final Pattern FILE_BLOCK =
            Pattern.compile("<!-- file: (\\S+) -->\\n```[a-z]*\\n(.*?)\\n```", Pattern.DOTALL);
    private static final String NO_BACKEND = "Starling: no SLF4J logging backend is on the class path";

    @Test
    void thePageShowsExactlyTheFilesOfTheProjectTheBuildBuilds() throws IOException {
        String page = Files.readString(ROOT.resolve("docs/use-in-your-project.md"));
        Map<String, String> shown = new LinkedHashMap<>();
        Matcher block = FILE_BLOCK.matcher(page);
        while (block.find()) {
            shown.put(block.group(1), block.group(2) + "\n");
        }
        List<String> files;
        try (Stream<Path> walk = Files.walk(PROJECT)) {
            files = walk.filter(Files::isRegularFile).map(p -> PROJECT.relativize(p).toString())
                    .filter(name -> !name.equals("invoker.properties")).sorted().toList();
        }
        assertThat(shown.keySet()).as("the files the page shows").containsExactlyInAnyOrderElementsOf(files);
        for (String file : files) {
            assertThat(shown.get(file)).as(file + " on the page and in " + PROJECT)
                    .isEqualTo(Files.readString(PROJECT.resolve(file)));
        }
    }

    @Test
    void theBomManagesEveryModuleAndTheVersionsTheBuildIsTestedWith() throws Exception {
        Document parent = xml(ROOT.resolve("pom.xml"));
        Document bom = xml(ROOT.resolve("starling-bom/pom.xml"));
        assertThat(text(bom.getDocumentElement(), "version")).isEqualTo(text(parent.getDocumentElement(), "version"));
        Map<String, String> bomProperties = properties(bom);
        Map<String, String> parentProperties = properties(parent);
        assertThat(bomProperties).isNotEmpty();
        bomProperties.forEach((name, version) -> assertThat(parentProperties.get(name))
                .as("the build's " + name).isEqualTo(version));
        List<String> managed = new ArrayList<>();
        NodeList dependencies = bom.getElementsByTagName("dependency");
        for (int i = 0; i < dependencies.getLength(); i++) {
            managed.add(text((Element) dependencies.item(i), "artifactId"));
        }
        List<String> modules = new ArrayList<>();
        NodeList moduleNodes = parent.getElementsByTagName("module");
        for (int i = 0; i < moduleNodes.getLength(); i++) {
            String module = moduleNodes.item(i).getTextContent();
            if (!module.contains("/") && !module.equals("starling-bom") && !module.equals("starling-examples")
                    && !module.equals("starling-bench")) {
                modules.add(module);
            }
        }
        assertThat(managed).containsAll(modules).contains("hibernate-validator", "swagger-ui", "logback-classic");
    }

    @Test
    void anAppWithoutALoggingBackendSaysSoOnceAtStart() throws Exception {
        String classPath = Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.contains("logback")).collect(Collectors.joining(File.pathSeparator));
        assertThat(run(classPath).split(Pattern.quote(NO_BACKEND), -1)).as("the warning, once").hasSize(2);
    }

    @Test
    void anAppWithALoggingBackendSaysNothingOfIt() throws Exception {
        String output = run(System.getProperty("java.class.path"));
        assertThat(output).contains("Starling is serving on").doesNotContain(NO_BACKEND);
    }

    private static String run(String classPath) throws Exception {
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", classPath, NoBackendApp.class.getName())
                .redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).as(output).isZero();
        return output;
    }

    private static Document xml(Path file) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
    }

    private static Map<String, String> properties(Document pom) {
        Map<String, String> properties = new LinkedHashMap<>();
        Node node = pom.getElementsByTagName("properties").item(0);
        NodeList children = node.getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
            if (children.item(i) instanceof Element property) {
                properties.put(property.getTagName(), property.getTextContent().strip());
            }
        }
        return properties;
    }

    private static String text(Element parent, String child) {
        NodeList children = parent.getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
            if (children.item(i) instanceof Element element && element.getTagName().equals(child)) {
                return element.getTextContent().strip();
            }
        }
        throw new AssertionError("No <" + child + "> in <" + parent.getTagName() + ">.");
    }
}
